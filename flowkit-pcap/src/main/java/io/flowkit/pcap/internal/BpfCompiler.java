package io.flowkit.pcap.internal;

import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Platform;
import com.sun.jna.Pointer;

/**
 * Compiles tcpdump filter expressions into classic BPF with libpcap itself, so the language,
 * its quirks and its optimiser are exactly those of tcpdump and Zeek.
 *
 * <p>Per compilation: {@code pcap_open_dead(dlt, 262144)} gives a handle for the link type
 * without any capture, {@code pcap_compile} (optimised, netmask {@code PCAP_NETMASK_UNKNOWN})
 * fills a {@code struct bpf_program}, whose {@code bpf_insn} array (u16 code, u8 jt, u8 jf,
 * u32 k, in native byte order) is copied into a {@link ClassicBpf}, then
 * {@code pcap_freecode} and {@code pcap_close} release the native memory. Compilations are
 * serialised on one lock because libpcap before 1.8 compiled with global parser state.
 *
 * <p>libpcap is loaded through JNA (which pcap4j already depends on) under the same name pcap4j
 * uses: the system property {@code org.pcap4j.core.pcapLibName} if set, otherwise {@code pcap}
 * ({@code wpcap} on Windows). It is loaded on first use; if it cannot be,
 * {@link #compile(String, int)} throws an {@link IllegalStateException}.
 */
public final class BpfCompiler {
    /** tcpdump's default snapshot length; it only sets the value an accepting program returns. */
    private static final int SNAPLEN = 262_144;
    private static final int NETMASK_UNKNOWN = 0xFFFF_FFFF;
    private static final int INSN_SIZE = 8;
    private static final Object LOCK = new Object();

    /** The libpcap functions used, as JNA maps them. */
    interface LibPcap extends Library {
        Pointer pcap_open_dead(int linktype, int snaplen);

        int pcap_compile(Pointer p, Pointer program, String expression, int optimize, int netmask);

        void pcap_freecode(Pointer program);

        String pcap_geterr(Pointer p);

        void pcap_close(Pointer p);
    }

    private static LibPcap lib;
    private static String loadError;

    private BpfCompiler() {
    }

    /**
     * Compiles an expression for frames of one link type.
     *
     * @param expression a filter in tcpdump's syntax
     * @param linkType   a LINKTYPE value, translated to the platform's DLT value for libpcap
     * @return the validated program
     * @throws IllegalArgumentException if libpcap rejects the expression for this link type; the
     *                                  message quotes the expression and libpcap's reason
     * @throws IllegalStateException    if libpcap cannot be loaded
     */
    public static ClassicBpf compile(String expression, int linkType) {
        synchronized (LOCK) {
            LibPcap pcap = library();
            Pointer handle = pcap.pcap_open_dead(LinkTypes.toDlt(linkType, Platform.isOpenBSD()), SNAPLEN);
            if (handle == null) {
                throw new IllegalStateException("libpcap could not open a handle for link type " + linkType);
            }
            try {
                // struct bpf_program { u_int bf_len; struct bpf_insn *bf_insns; }: the pointer is
                // aligned to its own size on every ABI libpcap supports
                Memory program = new Memory(2L * Native.POINTER_SIZE);
                program.clear();
                if (pcap.pcap_compile(handle, program, expression, 1, NETMASK_UNKNOWN) != 0) {
                    throw new IllegalArgumentException("cannot compile filter \"" + expression + "\" for link type "
                            + linkType + ": " + pcap.pcap_geterr(handle));
                }
                try {
                    int n = program.getInt(0);
                    if (n < 1 || n > ClassicBpf.MAX_INSTRUCTIONS) {
                        throw new IllegalArgumentException("filter \"" + expression + "\" compiles to " + n
                                + " instructions, outside 1.." + ClassicBpf.MAX_INSTRUCTIONS);
                    }
                    Pointer insns = program.getPointer(Native.POINTER_SIZE);
                    long[] copy = new long[n];
                    for (int i = 0; i < n; i++) {
                        long at = (long) i * INSN_SIZE;
                        copy[i] = ClassicBpf.insn(insns.getShort(at), insns.getByte(at + 2), insns.getByte(at + 3),
                                insns.getInt(at + 4));
                    }
                    return ClassicBpf.of(copy);
                } finally {
                    pcap.pcap_freecode(program);
                }
            } finally {
                pcap.pcap_close(handle);
            }
        }
    }

    private static LibPcap library() {
        if (lib == null && loadError == null) {
            String name = System.getProperty("org.pcap4j.core.pcapLibName", Platform.isWindows() ? "wpcap" : "pcap");
            try {
                lib = Native.load(name, LibPcap.class);
            } catch (UnsatisfiedLinkError e) {
                loadError = "libpcap (\"" + name + "\") cannot be loaded, and BPF filters are compiled by libpcap: "
                        + e.getMessage();
            }
        }
        if (lib == null) {
            throw new IllegalStateException(loadError);
        }
        return lib;
    }
}
