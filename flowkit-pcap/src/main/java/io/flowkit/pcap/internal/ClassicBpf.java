package io.flowkit.pcap.internal;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Objects;

/**
 * A validated classic BPF program and its interpreter: decides whether a frame passes a
 * capture filter exactly as libpcap's {@code bpf_filter} does, without allocating.
 *
 * <h2>Idea</h2>
 * Classic BPF (McCanne and Jacobson, "The BSD Packet Filter", USENIX 1993) is a register
 * machine with an accumulator {@code A}, an index register {@code X}, sixteen words of scratch
 * memory {@code M[]} and read-only access to the packet. Every instruction is
 * {@code (u16 code, u8 jt, u8 jf, u32 k)}. Conditional jumps only go forward; {@code ja} takes
 * {@code k} as a signed offset, because libpcap compiles {@code protochain} into a loop that
 * walks the chain of IPv6 extension headers with a backward {@code ja}. The packet is read with big-endian loads
 * relative to its first byte; a load that reaches past the captured bytes ends the program with
 * "reject", as does a division or remainder by zero; {@code len} is the frame's wire length.
 * The program's verdict is the value of its {@code ret}: zero rejects, anything else accepts
 * (the value is a snapshot length, meaningless here).
 *
 * <h2>Invariant</h2>
 * {@link #of(long[])} accepts a program only if every instruction is one the interpreter knows,
 * every jump lands inside the program, the last instruction is a {@code ret}, scratch indexes
 * are below 16, and no division, remainder or shift has a constant operand that is undefined
 * (divisor 0, shift of 32 or more). The interpreter then needs no check per instruction but the
 * bounds of packet loads and a zero divisor in {@code X}: it cannot throw or run off the end,
 * whatever the program and whatever the packet. Between two backward jumps it runs at most as
 * many instructions as the program has, and a run that takes more than
 * {@link #MAX_BACKWARD_JUMPS} backward jumps rejects the packet, so every run ends. libpcap has
 * no such bound, but needs none: its loops advance through the packet by at least 8 bytes per
 * round until a load fails, so they take fewer rounds than a frame of 256 KiB has 8-byte steps,
 * well under the bound.
 *
 * <h2>Cost</h2>
 * One {@code long} per instruction, decoded with shifts; validation replaces each opcode by
 * its index in a dense list, so that dispatch is a jump table rather than a search among
 * sparse 16-bit codes. A run without backward jumps executes each instruction at most once;
 * nothing is allocated. Scratch memory is an array
 * supplied by the caller and cleared per frame, and only for programs that use it
 * ({@link #usesScratch()}): libpcap generates such programs only for arithmetic expressions and
 * a few protocol walks such as {@code ip6 protochain}.
 *
 * <h2>Source</h2>
 * Instruction set and semantics as libpcap defines them in {@code pcap/bpf.h} and
 * {@code bpf_filter.c} (validation as in {@code bpf_validate}, but admitting libpcap's backward
 * {@code ja}, which {@code bpf_filter} runs with a signed offset); all arithmetic is on unsigned
 * 32-bit words, shifts by 32 or more from {@code X} give 0 as in current libpcap.
 */
public final class ClassicBpf {
    /** The most instructions a program may have, libpcap's {@code BPF_MAXINSNS}. */
    public static final int MAX_INSTRUCTIONS = 4096;
    /** Words of scratch memory, libpcap's {@code BPF_MEMWORDS}. */
    public static final int SCRATCH_WORDS = 16;
    /** The most backward jumps one run may take before it rejects the packet. */
    public static final int MAX_BACKWARD_JUMPS = 65_536;

    // classes
    static final int LD = 0x00;
    static final int LDX = 0x01;
    static final int ST = 0x02;
    static final int STX = 0x03;
    static final int ALU = 0x04;
    static final int JMP = 0x05;
    static final int RET = 0x06;
    static final int MISC = 0x07;
    // load sizes
    static final int W = 0x00;
    static final int H = 0x08;
    static final int B = 0x10;
    // load modes
    static final int IMM = 0x00;
    static final int ABS = 0x20;
    static final int IND = 0x40;
    static final int MEM = 0x60;
    static final int LEN = 0x80;
    static final int MSH = 0xa0;
    // ALU and JMP operations
    static final int ADD = 0x00;
    static final int SUB = 0x10;
    static final int MUL = 0x20;
    static final int DIV = 0x30;
    static final int OR = 0x40;
    static final int AND = 0x50;
    static final int LSH = 0x60;
    static final int RSH = 0x70;
    static final int NEG = 0x80;
    static final int MOD = 0x90;
    static final int XOR = 0xa0;
    static final int JA = 0x00;
    static final int JEQ = 0x10;
    static final int JGT = 0x20;
    static final int JGE = 0x30;
    static final int JSET = 0x40;
    // operand sources
    static final int K = 0x00;
    static final int X = 0x08;
    // RET source
    static final int RET_A = 0x10;
    // MISC operations
    static final int TAX = 0x00;
    static final int TXA = 0x80;

    /** The opcodes the interpreter runs; an instruction stores its index here, dense for a table switch. */
    private static final int[] OPCODES = {
        RET | K, RET | RET_A, LD | W | ABS, LD | H | ABS, LD | B | ABS, LD | W | IND, LD | H | IND, LD | B | IND,
        LDX | B | MSH, LD | W | LEN, LDX | W | LEN, LD | IMM, LDX | IMM, LD | MEM, LDX | MEM, ST, STX, JMP | JA,
        JMP | JEQ | K, JMP | JGT | K, JMP | JGE | K, JMP | JSET | K, JMP | JEQ | X, JMP | JGT | X, JMP | JGE | X,
        JMP | JSET | X, ALU | ADD | K, ALU | SUB | K, ALU | MUL | K, ALU | DIV | K, ALU | MOD | K, ALU | AND | K,
        ALU | OR | K, ALU | XOR | K, ALU | LSH | K, ALU | RSH | K, ALU | ADD | X, ALU | SUB | X, ALU | MUL | X,
        ALU | DIV | X, ALU | MOD | X, ALU | AND | X, ALU | OR | X, ALU | XOR | X, ALU | LSH | X, ALU | RSH | X,
        ALU | NEG, MISC | TAX, MISC | TXA,
    };
    private static final int OP_RET_K = 0;
    private static final int OP_RET_RET_A = 1;
    private static final int OP_LD_W_ABS = 2;
    private static final int OP_LD_H_ABS = 3;
    private static final int OP_LD_B_ABS = 4;
    private static final int OP_LD_W_IND = 5;
    private static final int OP_LD_H_IND = 6;
    private static final int OP_LD_B_IND = 7;
    private static final int OP_LDX_B_MSH = 8;
    private static final int OP_LD_W_LEN = 9;
    private static final int OP_LDX_W_LEN = 10;
    private static final int OP_LD_IMM = 11;
    private static final int OP_LDX_IMM = 12;
    private static final int OP_LD_MEM = 13;
    private static final int OP_LDX_MEM = 14;
    private static final int OP_ST = 15;
    private static final int OP_STX = 16;
    private static final int OP_JMP_JA = 17;
    private static final int OP_JMP_JEQ_K = 18;
    private static final int OP_JMP_JGT_K = 19;
    private static final int OP_JMP_JGE_K = 20;
    private static final int OP_JMP_JSET_K = 21;
    private static final int OP_JMP_JEQ_X = 22;
    private static final int OP_JMP_JGT_X = 23;
    private static final int OP_JMP_JGE_X = 24;
    private static final int OP_JMP_JSET_X = 25;
    private static final int OP_ALU_ADD_K = 26;
    private static final int OP_ALU_SUB_K = 27;
    private static final int OP_ALU_MUL_K = 28;
    private static final int OP_ALU_DIV_K = 29;
    private static final int OP_ALU_MOD_K = 30;
    private static final int OP_ALU_AND_K = 31;
    private static final int OP_ALU_OR_K = 32;
    private static final int OP_ALU_XOR_K = 33;
    private static final int OP_ALU_LSH_K = 34;
    private static final int OP_ALU_RSH_K = 35;
    private static final int OP_ALU_ADD_X = 36;
    private static final int OP_ALU_SUB_X = 37;
    private static final int OP_ALU_MUL_X = 38;
    private static final int OP_ALU_DIV_X = 39;
    private static final int OP_ALU_MOD_X = 40;
    private static final int OP_ALU_AND_X = 41;
    private static final int OP_ALU_OR_X = 42;
    private static final int OP_ALU_XOR_X = 43;
    private static final int OP_ALU_LSH_X = 44;
    private static final int OP_ALU_RSH_X = 45;
    private static final int OP_ALU_NEG = 46;
    private static final int OP_MISC_TAX = 47;
    private static final int OP_MISC_TXA = 48;

    private final long[] insns;
    private final boolean usesScratch;

    private ClassicBpf(long[] insns, boolean usesScratch) {
        this.insns = insns;
        this.usesScratch = usesScratch;
    }

    /**
     * Packs one instruction as this class stores it.
     *
     * @param code the opcode, 16 bits
     * @param jt   the jump offset when true, 8 bits
     * @param jf   the jump offset when false, 8 bits
     * @param k    the constant operand, 32 bits
     * @return the packed instruction
     */
    public static long insn(int code, int jt, int jf, int k) {
        return (long) (code & 0xFFFF) << 48 | (long) (jt & 0xFF) << 40 | (long) (jf & 0xFF) << 32 | (k & 0xFFFF_FFFFL);
    }

    /**
     * Validates a program and returns it ready to run.
     *
     * @param program the instructions, each packed by {@link #insn(int, int, int, int)}; copied
     * @return the validated program
     * @throws IllegalArgumentException naming the first offending instruction, if the program is
     *                                  empty, longer than {@link #MAX_INSTRUCTIONS}, or invalid
     */
    public static ClassicBpf of(long[] program) {
        Objects.requireNonNull(program, "program");
        int n = program.length;
        if (n == 0 || n > MAX_INSTRUCTIONS) {
            throw new IllegalArgumentException("a BPF program has 1 to " + MAX_INSTRUCTIONS
                    + " instructions, not " + n);
        }
        long[] insns = program.clone();
        boolean scratch = false;
        for (int pc = 0; pc < n; pc++) {
            long ins = insns[pc];
            int code = code(ins);
            long k = ins & 0xFFFF_FFFFL;
            String problem = null;
            switch (code) {
                case LD | W | ABS, LD | H | ABS, LD | B | ABS, LD | W | IND, LD | H | IND, LD | B | IND,
                     LD | W | LEN, LD | IMM, LDX | W | LEN, LDX | IMM, LDX | B | MSH,
                     ALU | ADD | K, ALU | SUB | K, ALU | MUL | K, ALU | OR | K, ALU | AND | K, ALU | XOR | K,
                     ALU | ADD | X, ALU | SUB | X, ALU | MUL | X, ALU | OR | X, ALU | AND | X, ALU | XOR | X,
                     ALU | DIV | X, ALU | MOD | X, ALU | LSH | X, ALU | RSH | X, ALU | NEG,
                     RET | K, RET | RET_A, MISC | TAX, MISC | TXA -> {
                }
                case ALU | DIV | K, ALU | MOD | K -> {
                    if (k == 0) {
                        problem = "division by the constant 0";
                    }
                }
                case ALU | LSH | K, ALU | RSH | K -> {
                    if (k >= 32) {
                        problem = "shift by the constant " + k;
                    }
                }
                case LD | MEM, LDX | MEM, ST, STX -> {
                    scratch = true;
                    if (k >= SCRATCH_WORDS) {
                        problem = "scratch memory index " + k + " outside 0.." + (SCRATCH_WORDS - 1);
                    }
                }
                case JMP | JA -> {
                    long target = pc + 1L + (int) k;
                    if (target < 0 || target >= n) {
                        problem = "jump to " + target + (target < 0 ? " before the start" : " past the end");
                    }
                }
                case JMP | JEQ | K, JMP | JGT | K, JMP | JGE | K, JMP | JSET | K,
                     JMP | JEQ | X, JMP | JGT | X, JMP | JGE | X, JMP | JSET | X -> {
                    int jt = (int) (ins >>> 40) & 0xFF;
                    int jf = (int) (ins >>> 32) & 0xFF;
                    if (pc + 1 + Math.max(jt, jf) >= n) {
                        problem = "jump to " + (pc + 1 + Math.max(jt, jf)) + " past the end";
                    }
                }
                default -> problem = "unknown opcode 0x" + Integer.toHexString(code);
            }
            if (problem != null) {
                throw new IllegalArgumentException("invalid BPF instruction " + pc + ": " + problem);
            }
        }
        int last = code(insns[n - 1]);
        if ((last & 0x07) != RET) {
            throw new IllegalArgumentException("invalid BPF program: the last instruction (" + (n - 1)
                    + ") is not a ret, so the program could run off its end");
        }
        for (int pc = 0; pc < n; pc++) {
            insns[pc] = (insns[pc] & 0xFFFF_FFFF_FFFFL) | (long) dense(code(insns[pc])) << 48;
        }
        return new ClassicBpf(insns, scratch);
    }

    private static int dense(int code) {
        for (int i = 0; i < OPCODES.length; i++) {
            if (OPCODES[i] == code) {
                return i;
            }
        }
        throw new AssertionError("opcode admitted by validation but not run: " + code);
    }

    private static int code(long ins) {
        return (int) (ins >>> 48);
    }

    /**
     * Returns the number of instructions.
     *
     * @return at least 1
     */
    public int length() {
        return insns.length;
    }

    /**
     * Tells whether the program reads or writes scratch memory, and so needs a scratch array in
     * {@link #run}.
     *
     * @return true if the program has an {@code ld M[k]}, {@code ldx M[k]}, {@code st} or
     *         {@code stx}
     */
    public boolean usesScratch() {
        return usesScratch;
    }

    /**
     * Runs the program over one frame and returns its verdict. Never throws on any frame
     * contents and never allocates.
     *
     * @param buf     the buffer holding the frame, read with absolute big-endian loads whatever
     *                its byte order
     * @param off     index of the frame's first byte in {@code buf}
     * @param caplen  captured bytes; loads past them reject the frame
     * @param wirelen the frame's length on the wire, the value of {@code len}
     * @param scratch at least {@link #SCRATCH_WORDS} words, cleared here before use, if
     *                {@link #usesScratch()}; otherwise ignored and may be null
     * @return the value the program returns: 0 rejects the frame, any other value accepts it
     * @throws IndexOutOfBoundsException if {@code off} and {@code caplen} do not lie within the
     *                                   buffer's limit
     */
    public int run(ByteBuffer buf, int off, int caplen, int wirelen, int[] scratch) {
        Objects.checkFromIndexSize(off, caplen, buf.limit());
        if (usesScratch) {
            for (int i = 0; i < SCRATCH_WORDS; i++) {
                scratch[i] = 0;
            }
        }
        final boolean swap = buf.order() != ByteOrder.BIG_ENDIAN;
        final long[] p = insns;
        final long cap = caplen;
        int a = 0;
        int x = 0;
        int pc = 0;
        int backwardJumps = MAX_BACKWARD_JUMPS;
        while (true) {
            long ins = p[pc++];
            int k = (int) ins;
            long uk = ins & 0xFFFF_FFFFL;
            switch ((int) (ins >>> 48)) {
                case OP_RET_K:
                    return k;
                case OP_RET_RET_A:
                    return a;
                case OP_LD_W_ABS:
                    if (uk + 4 > cap) {
                        return 0;
                    }
                    a = word(buf, off + k, swap);
                    break;
                case OP_LD_H_ABS:
                    if (uk + 2 > cap) {
                        return 0;
                    }
                    a = half(buf, off + k, swap);
                    break;
                case OP_LD_B_ABS:
                    if (uk + 1 > cap) {
                        return 0;
                    }
                    a = buf.get(off + k) & 0xFF;
                    break;
                case OP_LD_W_IND: {
                    long at = (x & 0xFFFF_FFFFL) + uk;
                    if (at + 4 > cap) {
                        return 0;
                    }
                    a = word(buf, off + (int) at, swap);
                    break;
                }
                case OP_LD_H_IND: {
                    long at = (x & 0xFFFF_FFFFL) + uk;
                    if (at + 2 > cap) {
                        return 0;
                    }
                    a = half(buf, off + (int) at, swap);
                    break;
                }
                case OP_LD_B_IND: {
                    long at = (x & 0xFFFF_FFFFL) + uk;
                    if (at + 1 > cap) {
                        return 0;
                    }
                    a = buf.get(off + (int) at) & 0xFF;
                    break;
                }
                case OP_LDX_B_MSH:
                    if (uk + 1 > cap) {
                        return 0;
                    }
                    x = (buf.get(off + k) & 0xF) << 2;
                    break;
                case OP_LD_W_LEN:
                    a = wirelen;
                    break;
                case OP_LDX_W_LEN:
                    x = wirelen;
                    break;
                case OP_LD_IMM:
                    a = k;
                    break;
                case OP_LDX_IMM:
                    x = k;
                    break;
                case OP_LD_MEM:
                    a = scratch[k];
                    break;
                case OP_LDX_MEM:
                    x = scratch[k];
                    break;
                case OP_ST:
                    scratch[k] = a;
                    break;
                case OP_STX:
                    scratch[k] = x;
                    break;
                case OP_JMP_JA:
                    if (k < 0 && --backwardJumps < 0) {
                        return 0;
                    }
                    pc += k;
                    break;
                case OP_JMP_JEQ_K:
                    pc += a == k ? jt(ins) : jf(ins);
                    break;
                case OP_JMP_JGT_K:
                    pc += Integer.compareUnsigned(a, k) > 0 ? jt(ins) : jf(ins);
                    break;
                case OP_JMP_JGE_K:
                    pc += Integer.compareUnsigned(a, k) >= 0 ? jt(ins) : jf(ins);
                    break;
                case OP_JMP_JSET_K:
                    pc += (a & k) != 0 ? jt(ins) : jf(ins);
                    break;
                case OP_JMP_JEQ_X:
                    pc += a == x ? jt(ins) : jf(ins);
                    break;
                case OP_JMP_JGT_X:
                    pc += Integer.compareUnsigned(a, x) > 0 ? jt(ins) : jf(ins);
                    break;
                case OP_JMP_JGE_X:
                    pc += Integer.compareUnsigned(a, x) >= 0 ? jt(ins) : jf(ins);
                    break;
                case OP_JMP_JSET_X:
                    pc += (a & x) != 0 ? jt(ins) : jf(ins);
                    break;
                case OP_ALU_ADD_K:
                    a += k;
                    break;
                case OP_ALU_SUB_K:
                    a -= k;
                    break;
                case OP_ALU_MUL_K:
                    a *= k;
                    break;
                case OP_ALU_DIV_K:
                    a = Integer.divideUnsigned(a, k);
                    break;
                case OP_ALU_MOD_K:
                    a = Integer.remainderUnsigned(a, k);
                    break;
                case OP_ALU_AND_K:
                    a &= k;
                    break;
                case OP_ALU_OR_K:
                    a |= k;
                    break;
                case OP_ALU_XOR_K:
                    a ^= k;
                    break;
                case OP_ALU_LSH_K:
                    a <<= k;
                    break;
                case OP_ALU_RSH_K:
                    a >>>= k;
                    break;
                case OP_ALU_ADD_X:
                    a += x;
                    break;
                case OP_ALU_SUB_X:
                    a -= x;
                    break;
                case OP_ALU_MUL_X:
                    a *= x;
                    break;
                case OP_ALU_DIV_X:
                    if (x == 0) {
                        return 0;
                    }
                    a = Integer.divideUnsigned(a, x);
                    break;
                case OP_ALU_MOD_X:
                    if (x == 0) {
                        return 0;
                    }
                    a = Integer.remainderUnsigned(a, x);
                    break;
                case OP_ALU_AND_X:
                    a &= x;
                    break;
                case OP_ALU_OR_X:
                    a |= x;
                    break;
                case OP_ALU_XOR_X:
                    a ^= x;
                    break;
                case OP_ALU_LSH_X:
                    a = Integer.compareUnsigned(x, 32) < 0 ? a << x : 0;
                    break;
                case OP_ALU_RSH_X:
                    a = Integer.compareUnsigned(x, 32) < 0 ? a >>> x : 0;
                    break;
                case OP_ALU_NEG:
                    a = -a;
                    break;
                case OP_MISC_TAX:
                    x = a;
                    break;
                case OP_MISC_TXA:
                    a = x;
                    break;
                default:
                    // unreachable: of() stores only indexes of OPCODES
                    return 0;
            }
        }
    }

    private static int jt(long ins) {
        return (int) (ins >>> 40) & 0xFF;
    }

    private static int jf(long ins) {
        return (int) (ins >>> 32) & 0xFF;
    }

    private static int word(ByteBuffer buf, int at, boolean swap) {
        int v = buf.getInt(at);
        return swap ? Integer.reverseBytes(v) : v;
    }

    private static int half(ByteBuffer buf, int at, boolean swap) {
        short v = buf.getShort(at);
        return (swap ? Short.reverseBytes(v) : v) & 0xFFFF;
    }
}
