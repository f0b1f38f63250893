package io.flowkit.pcap.internal;

import static io.flowkit.pcap.internal.ClassicBpf.insn;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import java.nio.ByteBuffer;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Differential test of the interpreter against libpcap's own {@code pcap_offline_filter}, on
 * random valid programs over random packets: corner cases a compiler rarely emits (shifts by
 * {@code X} of 32 or more, unsigned division, indexed loads whose {@code X + k} overflows 32
 * bits, loads past the captured length, division by zero in {@code X}) must get libpcap's
 * verdict. Programs only jump forward (libpcap would loop forever on a bad backward jump) and
 * start by zeroing scratch memory, which libpcap leaves uninitialised.
 */
class ClassicBpfVersusLibpcapTest {
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
    private static final int RET_K = 0x06;
    private static final int RET_A = 0x16;
    private static final int JA = 0x05;
    private static final int[] ALU = {0x04, 0x14, 0x24, 0x34, 0x44, 0x54, 0x64, 0x74, 0x84, 0x94, 0xa4,
        0x0c, 0x1c, 0x2c, 0x3c, 0x4c, 0x5c, 0x6c, 0x7c, 0x9c, 0xac};
    private static final int[] JUMPS = {0x15, 0x25, 0x35, 0x45, 0x1d, 0x2d, 0x3d, 0x4d};
    private static final int[] OTHERS = {LD_W_ABS, LD_H_ABS, LD_B_ABS, LD_W_IND, LD_H_IND, LD_B_IND, LD_W_LEN,
        LD_IMM, LD_MEM, LDX_IMM, LDX_MEM, LDX_W_LEN, LDX_B_MSH, ST, STX, 0x07, 0x87};

    /** The one libpcap function this test calls. */
    interface OfflineFilter extends Library {
        int pcap_offline_filter(Pointer program, Pointer header, Pointer packet);
    }

    private static OfflineFilter pcap;

    @BeforeAll
    static void loadLibpcap() {
        try {
            pcap = Native.load(System.getProperty("org.pcap4j.core.pcapLibName", "pcap"), OfflineFilter.class);
        } catch (UnsatisfiedLinkError e) {
            assumeTrue(false, "libpcap is not available: " + e.getMessage());
        }
    }

    /** libpcap's verdict on a program it is given as is. */
    private static int libpcap(long[] program, byte[] packet, int wirelen) {
        Memory insns = new Memory(8L * program.length);
        for (int i = 0; i < program.length; i++) {
            long p = program[i];
            insns.setShort(8L * i, (short) (p >>> 48));
            insns.setByte(8L * i + 2, (byte) (p >>> 40));
            insns.setByte(8L * i + 3, (byte) (p >>> 32));
            insns.setInt(8L * i + 4, (int) p);
        }
        Memory bpf = new Memory(2L * Native.POINTER_SIZE);
        bpf.clear();
        bpf.setInt(0, program.length);
        bpf.setPointer(Native.POINTER_SIZE, insns);
        // struct pcap_pkthdr { struct timeval ts; bpf_u_int32 caplen; bpf_u_int32 len; }
        long tv = 2L * Native.LONG_SIZE;
        Memory header = new Memory(tv + 8);
        header.clear();
        header.setInt(tv, packet.length);
        header.setInt(tv + 4, wirelen);
        Memory data = new Memory(Math.max(1, packet.length));
        data.write(0, packet, 0, packet.length);
        return pcap.pcap_offline_filter(bpf, header, data);
    }

    private static long randomInsn(Random r, int pc, int n) {
        int kind = r.nextInt(10);
        int k = switch (r.nextInt(5)) {
            case 0 -> r.nextInt();
            case 1 -> r.nextInt(64);
            case 2 -> -r.nextInt(8) - 1;
            default -> r.nextInt(40);
        };
        int room = n - pc - 2; // jumps must land on an instruction, the last one included
        if (kind < 3) {
            int code = ALU[r.nextInt(ALU.length)];
            int op = code & 0xf0;
            boolean constant = (code & 0x08) == 0;
            if (constant && (op == 0x30 || op == 0x90) && k == 0) {
                k = 1;
            }
            if (constant && (op == 0x60 || op == 0x70)) {
                k = Math.floorMod(k, 32);
            }
            return insn(code, 0, 0, k);
        }
        if (kind < 5) {
            return insn(JUMPS[r.nextInt(JUMPS.length)], r.nextInt(room + 1), r.nextInt(room + 1), k);
        }
        if (kind == 5) {
            return insn(JA, 0, 0, r.nextInt(room + 1));
        }
        int code = OTHERS[r.nextInt(OTHERS.length)];
        if (code == LD_MEM || code == LDX_MEM || code == ST || code == STX) {
            k = Math.floorMod(k, ClassicBpf.SCRATCH_WORDS);
        }
        return insn(code, 0, 0, k);
    }

    @Test
    void givesLibpcapsVerdictOnRandomProgramsAndPackets() {
        Random r = new Random(20_261_123L);
        int[] scratch = new int[ClassicBpf.SCRATCH_WORDS];
        int accepted = 0;
        int rounds = 20_000;
        for (int round = 0; round < rounds; round++) {
            int body = 1 + r.nextInt(14);
            int prefix = 1 + ClassicBpf.SCRATCH_WORDS;
            long[] program = new long[prefix + body + 1];
            program[0] = insn(LD_IMM, 0, 0, 0);
            for (int i = 0; i < ClassicBpf.SCRATCH_WORDS; i++) {
                program[1 + i] = insn(ST, 0, 0, i);
            }
            for (int i = 0; i < body; i++) {
                program[prefix + i] = randomInsn(r, prefix + i, program.length);
            }
            program[program.length - 1] = r.nextBoolean() ? insn(RET_A, 0, 0, 0) : insn(RET_K, 0, 0, r.nextInt(3));
            byte[] packet = new byte[r.nextInt(48)];
            r.nextBytes(packet);
            int wirelen = packet.length + (r.nextBoolean() ? 0 : r.nextInt(2000));
            int ours = ClassicBpf.of(program).run(ByteBuffer.wrap(packet), 0, packet.length, wirelen, scratch);
            int theirs = libpcap(program, packet, wirelen);
            assertThat(ours).as("round %d, program %s", round, java.util.Arrays.toString(program)).isEqualTo(theirs);
            if (ours != 0) {
                accepted++;
            }
        }
        assertThat(accepted).as("accepted packets").isBetween(rounds / 20, rounds - rounds / 20);
    }

    @Test
    void agreesOnShiftsByThirtyTwoOrMoreOverflowingIndexesAndDivisionByZero() {
        byte[] packet = {1, 2, 3, 4, 5, 6, 7, 8};
        long[][] programs = {
            {insn(LDX_IMM, 0, 0, 32), insn(LD_IMM, 0, 0, 1), insn(0x6c, 0, 0, 0), insn(RET_A, 0, 0, 0)},
            {insn(LDX_IMM, 0, 0, 33), insn(LD_IMM, 0, 0, 1), insn(0x6c, 0, 0, 0), insn(RET_A, 0, 0, 0)},
            {insn(LDX_IMM, 0, 0, -1), insn(LD_IMM, 0, 0, -1), insn(0x7c, 0, 0, 0), insn(RET_A, 0, 0, 0)},
            {insn(LDX_IMM, 0, 0, -1), insn(LD_B_IND, 0, 0, 2), insn(RET_K, 0, 0, 9)},
            {insn(LDX_IMM, 0, 0, 0), insn(LD_IMM, 0, 0, 7), insn(0x3c, 0, 0, 0), insn(RET_K, 0, 0, 9)},
            {insn(LDX_IMM, 0, 0, 0), insn(LD_IMM, 0, 0, 7), insn(0x9c, 0, 0, 0), insn(RET_K, 0, 0, 9)},
            {insn(LD_W_ABS, 0, 0, 5), insn(RET_K, 0, 0, 9)},
            {insn(LD_W_ABS, 0, 0, 4), insn(RET_A, 0, 0, 0)},
            {insn(LD_IMM, 0, 0, -7), insn(0x34, 0, 0, 2), insn(RET_A, 0, 0, 0)},
        };
        for (long[] program : programs) {
            int ours = ClassicBpf.of(program).run(ByteBuffer.wrap(packet), 0, packet.length, 100, null);
            assertThat(ours).as(java.util.Arrays.toString(program)).isEqualTo(libpcap(program, packet, 100));
        }
    }
}
