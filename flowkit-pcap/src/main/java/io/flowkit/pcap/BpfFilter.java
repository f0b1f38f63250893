package io.flowkit.pcap;

import io.flowkit.FrameHandler;
import io.flowkit.LinkType;
import io.flowkit.PacketSource;
import io.flowkit.SourceStats;
import io.flowkit.pcap.internal.BpfCompiler;
import io.flowkit.pcap.internal.ClassicBpf;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Objects;

/**
 * A capture filter in tcpdump's expression language, applied to frames in Java: what
 * {@code tcpdump -r trace 'tcp port 80'} and {@code zeek -r trace -f 'port 50000'} do, for
 * any {@link PacketSource}.
 *
 * <pre>{@code
 * BpfFilter filter = BpfFilter.compile("tcp port 80 or udp port 53");
 * try (PacketSource source = filter.filter(PcapFile.open(Path.of("trace.pcap")))) {
 *     while (source.poll(tracker, 256) != PacketSource.END_OF_INPUT) {
 *     }
 *     System.out.println(source.stats().filtered() + " frames filtered out");
 * }
 * }</pre>
 *
 * <h2>How</h2>
 * libpcap compiles the expression (through JNA, optimised, with an unknown netmask, as
 * tcpdump does on a file), so the language is exactly tcpdump's; the resulting classic BPF
 * program is validated once and then run by an interpreter in Java over each frame in its
 * {@link ByteBuffer}, allocating nothing per frame. Decisions are the ones libpcap's own
 * {@code pcap_offline_filter} makes: loads past the captured bytes reject the frame, and
 * {@code len}, {@code greater} and {@code less} see the wire length.
 *
 * <h2>Link types</h2>
 * A BPF program depends on the link type (the expression {@code ip} reads an EtherType on
 * Ethernet, the first nibble on raw IP), and pcapng files may mix link types. The expression is
 * compiled once per link type, when the first frame of that link type arrives, and the program
 * kept; compiling takes about 50 microseconds. Link types are 16-bit numbers (a frame claiming a
 * larger one never matches), so even a hostile pcapng naming every possible link type costs at
 * most 65536 compilations and a table of 65536 references. A frame of a link type for which
 * libpcap cannot compile the expression (such as {@code ether host} on raw IP, or a link type
 * libpcap does not know) never matches: whereas tcpdump would refuse to start on such a file, a
 * filter here keeps working through captures whose other interfaces it can filter.
 * {@link #compile(String)} checks the expression at once against Ethernet and, if it is
 * specific to another link layer, against raw IP, BSD loopback, Linux cooked capture (v1 and v2),
 * PPP and 802.11 with or without radiotap; it fails only if none of them accepts it.
 *
 * <h2>Threading</h2>
 * A filter is immutable and safe to share between threads. {@link #matches} may be called
 * concurrently; programs that need scratch memory (arithmetic expressions) use a per-thread
 * array. Each source returned by {@link #filter(PacketSource)} is used, like any source, by one
 * thread at a time.
 *
 * <h2>Requirements</h2>
 * libpcap must be installed (the same library {@link PcapLive} uses); it is needed only to
 * compile, never per frame.
 */
public final class BpfFilter {
    private static final int MAX_LINK_TYPE = 0xFFFF;
    private static final ClassicBpf REJECT_ALL = ClassicBpf.of(new long[] {ClassicBpf.insn(0x06, 0, 0, 0)});
    private static final int[] ALTERNATIVE_LINK_TYPES = {LinkType.RAW, LinkType.NULL, LinkType.LINUX_SLL,
        LinkType.LINUX_SLL2, LinkType.PPP, LinkType.IEEE802_11, LinkType.IEEE802_11_RADIOTAP};
    private static final ThreadLocal<int[]> SCRATCH =
            ThreadLocal.withInitial(() -> new int[ClassicBpf.SCRATCH_WORDS]);

    private final String expression;
    private final Object lock = new Object();
    /** Programs by link type; null where none is compiled yet. Copied on write, never mutated. */
    private volatile ClassicBpf[] programs;

    private BpfFilter(String expression, ClassicBpf[] programs) {
        this.expression = expression;
        this.programs = programs;
    }

    /**
     * Compiles a filter expression in tcpdump's syntax ({@code man pcap-filter}).
     *
     * @param expression such as {@code "tcp"}, {@code "udp port 53"}, {@code "vlan and host 10.0.0.1"}
     * @return the filter
     * @throws IllegalArgumentException if the expression is blank or libpcap rejects it for
     *                                  every link type tried; the message quotes the expression
     *                                  and libpcap's reason for Ethernet
     * @throws IllegalStateException    if libpcap cannot be loaded; the message says so
     */
    public static BpfFilter compile(String expression) {
        Objects.requireNonNull(expression, "expression");
        if (expression.isBlank()) {
            throw new IllegalArgumentException("filter expression must not be blank");
        }
        ClassicBpf[] table = new ClassicBpf[tableSize(LinkType.ETHERNET)];
        try {
            table[LinkType.ETHERNET] = BpfCompiler.compile(expression, LinkType.ETHERNET);
            return new BpfFilter(expression, table);
        } catch (IllegalArgumentException ethernetError) {
            table[LinkType.ETHERNET] = REJECT_ALL;
            for (int linkType : ALTERNATIVE_LINK_TYPES) {
                ClassicBpf program = compileOrReject(expression, linkType);
                table = withEntry(table, linkType, program);
                if (program != REJECT_ALL) {
                    return new BpfFilter(expression, table);
                }
            }
            throw ethernetError;
        }
    }

    /**
     * Returns the expression as given to {@link #compile(String)}.
     *
     * @return the expression
     */
    public String expression() {
        return expression;
    }

    /**
     * Tells whether a frame passes the filter. Allocates nothing, except when the first frame of
     * a link type is seen and the expression is compiled for it.
     *
     * @param linkType the frame's link type, a {@code LINKTYPE_} value (see {@link LinkType})
     * @param buf      the buffer holding the frame, read with absolute indexes; its position,
     *                 limit and byte order are not changed
     * @param off      index of the frame's first byte in {@code buf}
     * @param caplen   number of captured bytes; the filter reads no further and a test that
     *                 needs more bytes fails, as in libpcap
     * @param wirelen  the frame's length on the wire, which {@code len}, {@code greater} and
     *                 {@code less} test
     * @return true if the frame matches; false otherwise, and for link types the expression
     *         cannot be compiled for
     * @throws IndexOutOfBoundsException if {@code off} and {@code caplen} do not lie within
     *                                   {@code buf}'s limit
     */
    public boolean matches(int linkType, ByteBuffer buf, int off, int caplen, int wirelen) {
        ClassicBpf program = program(linkType);
        return program.run(buf, off, caplen, wirelen, program.usesScratch() ? SCRATCH.get() : null) != 0;
    }

    /**
     * Wraps a source so that only frames matching this filter reach the handler. The wrapper's
     * {@link PacketSource#poll(FrameHandler, int)} keeps reading from {@code source} until it
     * has delivered at least one frame, the source returns 0 or the source ends; it returns the
     * number of frames it delivered. Its {@link PacketSource#stats()} are the source's, with
     * rejected frames moved out of {@code frames}, {@code bytes} and {@code truncated} and
     * counted in {@link SourceStats#filtered()}. {@link FrameHandler#advanceTime(long)} calls
     * pass through. Closing the wrapper closes {@code source}; its name is the source's.
     *
     * @param source the source to filter
     * @return a source delivering the matching frames of {@code source}
     */
    public PacketSource filter(PacketSource source) {
        return new FilteredSource(this, Objects.requireNonNull(source, "source"));
    }

    /**
     * Returns the expression, for messages.
     *
     * @return a description naming the expression
     */
    @Override
    public String toString() {
        return "BpfFilter[" + expression + "]";
    }

    private ClassicBpf program(int linkType) {
        ClassicBpf[] table = programs;
        if (linkType >= 0 && linkType < table.length) {
            ClassicBpf program = table[linkType];
            if (program != null) {
                return program;
            }
        }
        return linkType < 0 || linkType > MAX_LINK_TYPE ? REJECT_ALL : compileFor(linkType);
    }

    private ClassicBpf compileFor(int linkType) {
        synchronized (lock) {
            ClassicBpf[] table = programs;
            if (linkType < table.length && table[linkType] != null) {
                return table[linkType];
            }
            ClassicBpf program = compileOrReject(expression, linkType);
            programs = withEntry(table, linkType, program);
            return program;
        }
    }

    private static ClassicBpf compileOrReject(String expression, int linkType) {
        try {
            return BpfCompiler.compile(expression, linkType);
        } catch (IllegalArgumentException notForThisLinkType) {
            return REJECT_ALL;
        }
    }

    private static ClassicBpf[] withEntry(ClassicBpf[] table, int linkType, ClassicBpf program) {
        ClassicBpf[] copy = Arrays.copyOf(table, Math.max(table.length, tableSize(linkType)));
        copy[linkType] = program;
        return copy;
    }

    private static int tableSize(int linkType) {
        return Integer.highestOneBit(Math.max(linkType, 1)) << 1;
    }

    /**
     * The source {@link #filter(PacketSource)} returns. It is its own handler for the wrapped
     * source, so that polling allocates nothing; {@code target} is the caller's handler during
     * a poll.
     */
    private static final class FilteredSource implements PacketSource, FrameHandler {
        private final BpfFilter filter;
        private final PacketSource source;
        private final int[] scratch = new int[ClassicBpf.SCRATCH_WORDS];
        private FrameHandler target;
        private int delivered;
        private long filtered;
        private long filteredBytes;
        private long filteredTruncated;

        FilteredSource(BpfFilter filter, PacketSource source) {
            this.filter = filter;
            this.source = source;
        }

        @Override
        public int poll(FrameHandler handler, int maxFrames) throws IOException {
            Objects.requireNonNull(handler, "handler");
            if (maxFrames < 1) {
                throw new IllegalArgumentException("maxFrames must be at least 1, got " + maxFrames);
            }
            target = handler;
            delivered = 0;
            try {
                while (true) {
                    int read = source.poll(this, maxFrames - delivered);
                    if (read == END_OF_INPUT) {
                        return delivered > 0 ? delivered : END_OF_INPUT;
                    }
                    if (read == 0 || delivered > 0) {
                        return delivered;
                    }
                }
            } finally {
                target = null;
            }
        }

        @Override
        public void onFrame(long timestampNanos, int linkType, ByteBuffer buffer, int offset, int captureLength,
                            int wireLength) {
            ClassicBpf program = filter.program(linkType);
            if (program.run(buffer, offset, captureLength, wireLength, scratch) != 0) {
                delivered++;
                target.onFrame(timestampNanos, linkType, buffer, offset, captureLength, wireLength);
            } else {
                filtered++;
                filteredBytes += captureLength;
                if (captureLength < wireLength) {
                    filteredTruncated++;
                }
            }
        }

        @Override
        public void advanceTime(long timestampNanos) {
            target.advanceTime(timestampNanos);
        }

        @Override
        public String name() {
            return source.name();
        }

        @Override
        public SourceStats stats() {
            SourceStats s = source.stats();
            return new SourceStats(s.frames() - filtered, s.bytes() - filteredBytes, s.truncated() - filteredTruncated,
                    s.skippedRecords(), s.kernelDrops(), s.filtered() + filtered);
        }

        @Override
        public void close() throws IOException {
            source.close();
        }
    }
}
