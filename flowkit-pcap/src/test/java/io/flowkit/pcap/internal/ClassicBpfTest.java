package io.flowkit.pcap.internal;

import static io.flowkit.pcap.internal.ClassicBpf.insn;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

/**
 * The interpreter and the validator on hand-written programs: one test per instruction class,
 * then hostile programs and packets, which must be refused at validation or end in a rejected
 * packet, never in an exception while running.
 */
class ClassicBpfTest {
    // opcodes spelled out as in pcap/bpf.h, independently of the constants in ClassicBpf
    private static final int LD_W_ABS = 0x20;
    private static final int LD_H_ABS = 0x28;
    private static final int LD_B_ABS = 0x30;
    private static final int LD_W_IND = 0x40;
    private static final int LD_H_IND = 0x48;
    private static final int LD_B_IND = 0x50;
    private static final int LD_W_LEN = 0x80;
    private static final int LD_IMM = 0x00;
    private static final int LD_MEM = 0x60;
    private static final int LDX_IMM = 0x01;
    private static final int LDX_MEM = 0x61;
    private static final int LDX_W_LEN = 0x81;
    private static final int LDX_B_MSH = 0xb1;
    private static final int ST = 0x02;
    private static final int STX = 0x03;
    private static final int ALU_K = 0x04;
    private static final int ALU_X = 0x0c;
    private static final int ADD = 0x00;
    private static final int SUB = 0x10;
    private static final int MUL = 0x20;
    private static final int DIV = 0x30;
    private static final int OR = 0x40;
    private static final int AND = 0x50;
    private static final int LSH = 0x60;
    private static final int RSH = 0x70;
    private static final int NEG = 0x84;
    private static final int MOD = 0x90;
    private static final int XOR = 0xa0;
    private static final int JA = 0x05;
    private static final int JEQ_K = 0x15;
    private static final int JGT_K = 0x25;
    private static final int JGE_K = 0x35;
    private static final int JSET_K = 0x45;
    private static final int JEQ_X = 0x1d;
    private static final int JGT_X = 0x2d;
    private static final int JGE_X = 0x3d;
    private static final int JSET_X = 0x4d;
    private static final int RET_K = 0x06;
    private static final int RET_A = 0x16;
    private static final int TAX = 0x07;
    private static final int TXA = 0x87;

    private static final byte[] PACKET = {
        0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x45, 0x0a, (byte) 0xfb, (byte) 0xfc, (byte) 0xfd, (byte) 0xfe,
        (byte) 0xff, 0x10,
    };

    private static int run(byte[] packet, int wirelen, long... program) {
        ByteBuffer buf = ByteBuffer.allocate(packet.length + 3);
        buf.position(3);
        buf.put(packet);
        buf.clear();
        return ClassicBpf.of(program).run(buf, 3, packet.length, wirelen, new int[ClassicBpf.SCRATCH_WORDS]);
    }

    private static int run(long... program) {
        return run(PACKET, 100, program);
    }

    /** A program computing A then returning it. */
    private static long retA() {
        return insn(RET_A, 0, 0, 0);
    }

    @Test
    void returnsConstantOrAccumulator() {
        assertThat(run(insn(RET_K, 0, 0, 262_144))).isEqualTo(262_144);
        assertThat(run(insn(RET_K, 0, 0, 0))).isZero();
        assertThat(run(insn(LD_IMM, 0, 0, 77), retA())).isEqualTo(77);
    }

    @Test
    void loadsBigEndianWordsHalvesAndBytesRelativeToTheFrameOffset() {
        assertThat(run(insn(LD_W_ABS, 0, 0, 0), retA())).isEqualTo(0x01020304);
        assertThat(run(insn(LD_H_ABS, 0, 0, 10), retA())).isEqualTo(0xfbfc);
        assertThat(run(insn(LD_B_ABS, 0, 0, 15), retA())).isEqualTo(0x10);
        assertThat(run(insn(LD_W_ABS, 0, 0, 12), retA())).isEqualTo(0xfdfeff10);
    }

    @Test
    void loadsBigEndianFromLittleEndianBuffersToo() {
        ByteBuffer buf = ByteBuffer.wrap(PACKET).order(ByteOrder.LITTLE_ENDIAN);
        ClassicBpf word = ClassicBpf.of(new long[] {insn(LD_W_ABS, 0, 0, 0), retA()});
        ClassicBpf half = ClassicBpf.of(new long[] {insn(LD_H_ABS, 0, 0, 2), retA()});
        assertThat(word.run(buf, 0, PACKET.length, PACKET.length, null)).isEqualTo(0x01020304);
        assertThat(half.run(buf, 0, PACKET.length, PACKET.length, null)).isEqualTo(0x0304);
        assertThat(buf.order()).isEqualTo(ByteOrder.LITTLE_ENDIAN);
    }

    @Test
    void loadsIndexedByX() {
        assertThat(run(insn(LDX_IMM, 0, 0, 4), insn(LD_W_IND, 0, 0, 1), retA())).isEqualTo(0x06070845);
        assertThat(run(insn(LDX_IMM, 0, 0, 4), insn(LD_H_IND, 0, 0, 6), retA())).isEqualTo(0xfbfc);
        assertThat(run(insn(LDX_IMM, 0, 0, 4), insn(LD_B_IND, 0, 0, 11), retA())).isEqualTo(0x10);
    }

    @Test
    void loadsIpHeaderLengthWithMsh() {
        // byte 8 is 0x45: IPv4 with a 5-word header, so X = 20
        assertThat(run(insn(LDX_B_MSH, 0, 0, 8), insn(TXA, 0, 0, 0), retA())).isEqualTo(20);
    }

    @Test
    void lenIsTheWireLengthNotTheCapturedLength() {
        assertThat(run(PACKET, 1514, insn(LD_W_LEN, 0, 0, 0), retA())).isEqualTo(1514);
        assertThat(run(PACKET, 1514, insn(LDX_W_LEN, 0, 0, 0), insn(TXA, 0, 0, 0), retA())).isEqualTo(1514);
    }

    @Test
    void storesAndLoadsScratchMemory() {
        assertThat(run(insn(LD_IMM, 0, 0, 5), insn(ST, 0, 0, 15), insn(LDX_IMM, 0, 0, 9), insn(STX, 0, 0, 0),
                insn(LD_MEM, 0, 0, 0), insn(LDX_MEM, 0, 0, 15), insn(ALU_X | SUB, 0, 0, 0), retA())).isEqualTo(4);
    }

    @Test
    void scratchMemoryStartsAtZeroForEveryPacket() {
        ClassicBpf p = ClassicBpf.of(new long[] {insn(LD_MEM, 0, 0, 3), insn(ALU_K | ADD, 0, 0, 1), insn(ST, 0, 0, 3),
            retA()});
        int[] scratch = new int[ClassicBpf.SCRATCH_WORDS];
        ByteBuffer buf = ByteBuffer.wrap(PACKET);
        assertThat(p.usesScratch()).isTrue();
        assertThat(p.run(buf, 0, PACKET.length, PACKET.length, scratch)).isEqualTo(1);
        assertThat(p.run(buf, 0, PACKET.length, PACKET.length, scratch)).isEqualTo(1);
    }

    @Test
    void computesUnsignedThirtyTwoBitArithmeticWithConstants() {
        assertThat(run(insn(LD_IMM, 0, 0, -1), insn(ALU_K | ADD, 0, 0, 2), retA())).isEqualTo(1);
        assertThat(run(insn(LD_IMM, 0, 0, 1), insn(ALU_K | SUB, 0, 0, 2), retA())).isEqualTo(-1);
        assertThat(run(insn(LD_IMM, 0, 0, 0x10000), insn(ALU_K | MUL, 0, 0, 0x10001), retA())).isEqualTo(0x10000);
        assertThat(run(insn(LD_IMM, 0, 0, -2), insn(ALU_K | DIV, 0, 0, 2), retA())).isEqualTo(0x7fffffff);
        assertThat(run(insn(LD_IMM, 0, 0, -1), insn(ALU_K | MOD, 0, 0, 10), retA())).isEqualTo(5);
        assertThat(run(insn(LD_IMM, 0, 0, 0xf0), insn(ALU_K | OR, 0, 0, 0x0f), retA())).isEqualTo(0xff);
        assertThat(run(insn(LD_IMM, 0, 0, 0xf0), insn(ALU_K | AND, 0, 0, 0x3c), retA())).isEqualTo(0x30);
        assertThat(run(insn(LD_IMM, 0, 0, 0xf0), insn(ALU_K | XOR, 0, 0, 0xff), retA())).isEqualTo(0x0f);
        assertThat(run(insn(LD_IMM, 0, 0, 3), insn(ALU_K | LSH, 0, 0, 31), retA())).isEqualTo(0x80000000);
        assertThat(run(insn(LD_IMM, 0, 0, 0x80000000), insn(ALU_K | RSH, 0, 0, 31), retA())).isEqualTo(1);
        assertThat(run(insn(LD_IMM, 0, 0, 5), insn(NEG, 0, 0, 0), retA())).isEqualTo(-5);
    }

    @Test
    void computesArithmeticWithX() {
        assertThat(run(insn(LDX_IMM, 0, 0, 7), insn(LD_IMM, 0, 0, 100), insn(ALU_X | ADD, 0, 0, 0), retA()))
                .isEqualTo(107);
        assertThat(run(insn(LDX_IMM, 0, 0, 7), insn(LD_IMM, 0, 0, 100), insn(ALU_X | MUL, 0, 0, 0), retA()))
                .isEqualTo(700);
        assertThat(run(insn(LDX_IMM, 0, 0, 7), insn(LD_IMM, 0, 0, 100), insn(ALU_X | DIV, 0, 0, 0), retA()))
                .isEqualTo(14);
        assertThat(run(insn(LDX_IMM, 0, 0, 7), insn(LD_IMM, 0, 0, 100), insn(ALU_X | MOD, 0, 0, 0), retA()))
                .isEqualTo(2);
        assertThat(run(insn(LDX_IMM, 0, 0, 6), insn(LD_IMM, 0, 0, 5), insn(ALU_X | OR, 0, 0, 0), retA())).isEqualTo(7);
        assertThat(run(insn(LDX_IMM, 0, 0, 6), insn(LD_IMM, 0, 0, 5), insn(ALU_X | AND, 0, 0, 0), retA())).isEqualTo(4);
        assertThat(run(insn(LDX_IMM, 0, 0, 6), insn(LD_IMM, 0, 0, 5), insn(ALU_X | XOR, 0, 0, 0), retA())).isEqualTo(3);
        assertThat(run(insn(LDX_IMM, 0, 0, 4), insn(LD_IMM, 0, 0, 1), insn(ALU_X | LSH, 0, 0, 0), retA())).isEqualTo(16);
        assertThat(run(insn(LDX_IMM, 0, 0, 4), insn(LD_IMM, 0, 0, -1), insn(ALU_X | RSH, 0, 0, 0), retA()))
                .isEqualTo(0x0fffffff);
    }

    @Test
    void shiftsByThirtyTwoOrMoreFromXGiveZero() {
        assertThat(run(insn(LDX_IMM, 0, 0, 32), insn(LD_IMM, 0, 0, 1), insn(ALU_X | LSH, 0, 0, 0), retA())).isZero();
        assertThat(run(insn(LDX_IMM, 0, 0, -1), insn(LD_IMM, 0, 0, -1), insn(ALU_X | RSH, 0, 0, 0), retA())).isZero();
    }

    @Test
    void transfersBetweenAAndX() {
        assertThat(run(insn(LD_IMM, 0, 0, 9), insn(TAX, 0, 0, 0), insn(LD_IMM, 0, 0, 0), insn(TXA, 0, 0, 0), retA()))
                .isEqualTo(9);
    }

    /** Runs "A = a; X = x; if (A op X or k) ret 1 else ret 2". */
    private static int branch(int op, int a, int operand) {
        return run(insn(LD_IMM, 0, 0, a), insn(LDX_IMM, 0, 0, operand), insn(op, 1, 0, operand),
                insn(RET_K, 0, 0, 2), insn(RET_K, 0, 0, 1));
    }

    @Test
    void jumpsOnUnsignedComparisonsWithKAndX() {
        for (int[] ops : new int[][] {{JEQ_K, JGT_K, JGE_K, JSET_K}, {JEQ_X, JGT_X, JGE_X, JSET_X}}) {
            assertThat(branch(ops[0], 5, 5)).isEqualTo(1);
            assertThat(branch(ops[0], 5, 6)).isEqualTo(2);
            assertThat(branch(ops[1], -1, 1)).as("0xffffffff > 1 unsigned").isEqualTo(1);
            assertThat(branch(ops[1], 5, 5)).isEqualTo(2);
            assertThat(branch(ops[2], 5, 5)).isEqualTo(1);
            assertThat(branch(ops[2], 1, -1)).isEqualTo(2);
            assertThat(branch(ops[3], 6, 2)).isEqualTo(1);
            assertThat(branch(ops[3], 6, 1)).isEqualTo(2);
        }
    }

    @Test
    void jumpsAlwaysOverInstructions() {
        assertThat(run(insn(JA, 0, 0, 2), insn(RET_K, 0, 0, 1), insn(RET_K, 0, 0, 2), insn(RET_K, 0, 0, 3))).isEqualTo(3);
    }

    @Test
    void jumpsBackwardAsLibpcapProtochainLoopsDo() {
        // M[0] += 10 while --X != 0, starting from X = 3: three rounds
        assertThat(run(insn(LDX_IMM, 0, 0, 3), insn(LD_MEM, 0, 0, 0), insn(ALU_K | ADD, 0, 0, 10), insn(ST, 0, 0, 0),
                insn(TXA, 0, 0, 0), insn(ALU_K | SUB, 0, 0, 1), insn(TAX, 0, 0, 0), insn(JEQ_K, 1, 0, 0),
                insn(JA, 0, 0, -8), insn(LD_MEM, 0, 0, 0), retA())).isEqualTo(30);
    }

    @Test
    void rejectsPacketWhenAProgramLoopsForever() {
        assertThat(run(insn(LD_IMM, 0, 0, 1), insn(JA, 0, 0, -2), insn(RET_K, 0, 0, 1))).isZero();
    }

    @Test
    void rejectsPacketWhenALoadReachesPastTheCapturedBytes() {
        byte[] p = PACKET;
        assertThat(run(p, 1000, insn(LD_W_ABS, 0, 0, 12), insn(RET_K, 0, 0, 1))).isEqualTo(1);
        assertThat(run(p, 1000, insn(LD_W_ABS, 0, 0, 13), insn(RET_K, 0, 0, 1))).isZero();
        assertThat(run(p, 1000, insn(LD_H_ABS, 0, 0, 15), insn(RET_K, 0, 0, 1))).isZero();
        assertThat(run(p, 1000, insn(LD_B_ABS, 0, 0, 16), insn(RET_K, 0, 0, 1))).isZero();
        assertThat(run(p, 1000, insn(LDX_B_MSH, 0, 0, 16), insn(RET_K, 0, 0, 1))).isZero();
        assertThat(run(p, 1000, insn(LD_B_ABS, 0, 0, -1), insn(RET_K, 0, 0, 1))).as("k = 2^32-1").isZero();
        assertThat(run(p, 1000, insn(LDX_IMM, 0, 0, 15), insn(LD_B_IND, 0, 0, 1), insn(RET_K, 0, 0, 1))).isZero();
        assertThat(run(p, 1000, insn(LDX_IMM, 0, 0, 14), insn(LD_H_IND, 0, 0, 1), insn(RET_K, 0, 0, 1))).isZero();
        assertThat(run(p, 1000, insn(LDX_IMM, 0, 0, 12), insn(LD_W_IND, 0, 0, 1), insn(RET_K, 0, 0, 1))).isZero();
        // X + k wraps around 2^32 in C arithmetic; the sum must not be taken modulo 2^32
        assertThat(run(p, 1000, insn(LDX_IMM, 0, 0, -1), insn(LD_B_IND, 0, 0, 2), insn(RET_K, 0, 0, 1))).isZero();
    }

    @Test
    void readsNothingBeyondTheCapturedLengthEvenWhenTheBufferHasMore() {
        ByteBuffer buf = ByteBuffer.wrap(PACKET);
        ClassicBpf p = ClassicBpf.of(new long[] {insn(LD_B_ABS, 0, 0, 4), insn(RET_K, 0, 0, 1)});
        assertThat(p.run(buf, 0, 4, 100, null)).isZero();
        assertThat(p.run(buf, 0, 5, 100, null)).isEqualTo(1);
    }

    @Test
    void rejectsPacketOnDivisionOrRemainderByZeroInX() {
        assertThat(run(insn(LDX_IMM, 0, 0, 0), insn(LD_IMM, 0, 0, 5), insn(ALU_X | DIV, 0, 0, 0),
                insn(RET_K, 0, 0, 1))).isZero();
        assertThat(run(insn(LDX_IMM, 0, 0, 0), insn(LD_IMM, 0, 0, 5), insn(ALU_X | MOD, 0, 0, 0),
                insn(RET_K, 0, 0, 1))).isZero();
    }

    @Test
    void refusesProgramsThatCouldMisbehave() {
        assertInvalid("1 to 4096", new long[0]);
        assertInvalid("1 to 4096", new long[4097]);
        assertInvalid("not a ret", insn(LD_IMM, 0, 0, 1));
        assertInvalid("past the end", insn(JA, 0, 0, 1), insn(RET_K, 0, 0, 0));
        assertInvalid("before the start", insn(JA, 0, 0, -2), insn(RET_K, 0, 0, 0));
        assertInvalid("past the end", insn(JA, 0, 0, 0x7fffffff), insn(RET_K, 0, 0, 0));
        assertInvalid("past the end", insn(JEQ_K, 1, 0, 0), insn(RET_K, 0, 0, 0));
        assertInvalid("past the end", insn(JGT_X, 0, 255, 0), insn(RET_K, 0, 0, 0));
        assertInvalid("division by the constant 0", insn(ALU_K | DIV, 0, 0, 0), insn(RET_K, 0, 0, 0));
        assertInvalid("division by the constant 0", insn(ALU_K | MOD, 0, 0, 0), insn(RET_K, 0, 0, 0));
        assertInvalid("shift by the constant 32", insn(ALU_K | LSH, 0, 0, 32), insn(RET_K, 0, 0, 0));
        assertInvalid("scratch memory index 16", insn(ST, 0, 0, 16), insn(RET_K, 0, 0, 0));
        assertInvalid("scratch memory index 16", insn(LDX_MEM, 0, 0, 16), insn(RET_K, 0, 0, 0));
        assertInvalid("unknown opcode 0x18", insn(0x18, 0, 0, 0), insn(RET_K, 0, 0, 0));
        assertInvalid("unknown opcode 0x27", insn(0x27, 0, 0, 0), insn(RET_K, 0, 0, 0));
        assertInvalid("unknown opcode 0xffff", insn(0xffff, 0, 0, 0), insn(RET_K, 0, 0, 0));
    }

    private static void assertInvalid(String message, long... program) {
        assertThatThrownBy(() -> ClassicBpf.of(program)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(message);
    }

    @Test
    void neverThrowsWhateverValidProgramMeetsWhateverPacket() {
        // random valid programs over random packets: every run ends with a verdict
        java.util.Random random = new java.util.Random(42);
        int[] codes = {LD_W_ABS, LD_H_ABS, LD_B_ABS, LD_W_IND, LD_H_IND, LD_B_IND, LD_W_LEN, LD_IMM, LD_MEM, LDX_IMM,
            LDX_MEM, LDX_W_LEN, LDX_B_MSH, ST, STX, ALU_X | ADD, ALU_X | SUB, ALU_X | MUL, ALU_X | DIV, ALU_X | MOD,
            ALU_X | LSH, ALU_X | RSH, ALU_K | ADD, NEG, JA, JEQ_K, JGT_X, JSET_K, TAX, TXA, RET_A};
        int[] scratch = new int[ClassicBpf.SCRATCH_WORDS];
        int valid = 0;
        for (int round = 0; round < 20_000; round++) {
            int n = 1 + random.nextInt(12);
            long[] program = new long[n];
            for (int i = 0; i < n; i++) {
                int code = codes[random.nextInt(codes.length)];
                int k = random.nextInt(4) == 0 ? random.nextInt() : random.nextInt(24);
                program[i] = insn(code, random.nextInt(n), random.nextInt(n), k);
            }
            program[n - 1] = insn(random.nextBoolean() ? RET_A : RET_K, 0, 0, 1);
            ClassicBpf p;
            try {
                p = ClassicBpf.of(program);
            } catch (IllegalArgumentException refused) {
                continue;
            }
            valid++;
            byte[] packet = new byte[random.nextInt(40)];
            random.nextBytes(packet);
            p.run(ByteBuffer.wrap(packet), 0, packet.length, packet.length + random.nextInt(3), scratch);
        }
        assertThat(valid).as("valid programs tried").isGreaterThan(1000);
    }

    @Test
    void refusesFrameBoundsOutsideTheBuffer() {
        ClassicBpf p = ClassicBpf.of(new long[] {insn(RET_K, 0, 0, 1)});
        assertThatThrownBy(() -> p.run(ByteBuffer.allocate(10), 4, 7, 7, null))
                .isInstanceOf(IndexOutOfBoundsException.class);
    }
}
