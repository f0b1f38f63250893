package io.flowkit.bench;

import io.flowkit.LinkType;
import io.flowkit.pcap.BpfFilter;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.pcap4j.core.BpfProgram;
import org.pcap4j.core.PcapNativeException;
import org.pcap4j.core.Pcaps;
import org.pcap4j.packet.namednumber.DataLinkType;

/**
 * Cost of deciding whether a frame passes a capture filter: {@link BpfFilter#matches}, whose
 * interpreter runs in Java over the frame where it lies, against pcap4j's
 * {@code BpfProgram.applyFilter}, which hands a copy of each frame to libpcap's native
 * {@code bpf_filter} through JNA (what a pcap4j user does today). One operation is one frame;
 * frames are {@value #FRAMES} Ethernet IPv4 TCP and UDP frames of 60 to 1514 bytes with varied
 * ports, laid out one after another in a direct buffer, as a memory-mapped file delivers them.
 * With {@code -prof gc}, {@code gc.alloc.rate.norm} is bytes per frame.
 *
 * <p>Run it with:
 * <pre>
 * mvn -B -q -pl flowkit-bench -am package -DskipTests
 * java -jar flowkit-bench/target/benchmarks.jar BpfFilterBenchmark -prof gc
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class BpfFilterBenchmark {
    /** Frames in the buffer, and operations per invocation. */
    static final int FRAMES = 1024;

    /** The expression: a plain port test, and tcpdump's "HTTP with data" that uses scratch memory. */
    @Param({"tcp port 80", "tcp port 80 and (((ip[2:2] - ((ip[0]&0xf)<<2)) - ((tcp[12]&0xf0)>>2)) != 0)"})
    public String expression;

    private final ByteBuffer buffer = ByteBuffer.allocateDirect(FRAMES * 1514);
    private final int[] offsets = new int[FRAMES];
    private final int[] lengths = new int[FRAMES];
    private final byte[][] copies = new byte[FRAMES][];
    private BpfFilter filter;
    private BpfProgram libpcap;

    /**
     * Builds the frames and compiles the expression both ways.
     *
     * @throws PcapNativeException  if libpcap cannot compile the expression
     * @throws UnknownHostException never: the netmask is given as bytes
     */
    @Setup(Level.Trial)
    public void setUp() throws PcapNativeException, UnknownHostException {
        int at = 0;
        for (int k = 0; k < FRAMES; k++) {
            boolean tcp = k % 3 != 0;
            int payload = new int[] {0, 6, 1460, 40, 0, 536, 1200, 0}[k % 8];
            int length = 14 + 20 + (tcp ? 20 : 8) + payload;
            ByteBuffer f = buffer.duplicate();
            f.position(at);
            f.put(new byte[] {2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2}).putShort((short) 0x0800);
            f.put((byte) 0x45).put((byte) 0).putShort((short) (length - 14)).putInt(0).put((byte) 64)
                    .put((byte) (tcp ? 6 : 17)).putShort((short) 0).putInt(0x0a000001 + k % 7)
                    .putInt(0x0a000100 + k % 5);
            f.putShort((short) (40_000 + k % 100)).putShort((short) (k % 4 == 0 ? 80 : 443));
            if (tcp) {
                f.putInt(k).putInt(0).put((byte) 0x50).put((byte) 0x18).putShort((short) 1024).putInt(0);
            } else {
                f.putShort((short) (8 + payload)).putShort((short) 0);
            }
            offsets[k] = at;
            lengths[k] = length;
            copies[k] = new byte[length];
            buffer.get(at, copies[k]);
            at += length;
        }
        filter = BpfFilter.compile(expression);
        // netmask 255.255.255.255 is PCAP_NETMASK_UNKNOWN, as BpfFilter compiles
        Inet4Address unknownNetmask = (Inet4Address) InetAddress.getByAddress(new byte[] {-1, -1, -1, -1});
        libpcap = Pcaps.compileFilter(262_144, DataLinkType.EN10MB, expression, BpfProgram.BpfCompileMode.OPTIMIZE,
                unknownNetmask);
    }

    /** Frees libpcap's program. */
    @TearDown(Level.Trial)
    public void tearDown() {
        libpcap.free();
    }

    /**
     * The Java interpreter over the frames in place.
     *
     * @return the number of frames that passed
     */
    @Benchmark
    @OperationsPerInvocation(FRAMES)
    public int bpfFilterMatches() {
        int passed = 0;
        for (int k = 0; k < FRAMES; k++) {
            if (filter.matches(LinkType.ETHERNET, buffer, offsets[k], lengths[k], lengths[k])) {
                passed++;
            }
        }
        return passed;
    }

    /**
     * libpcap's native filter through pcap4j and JNA, each frame already in its own array.
     *
     * @return the number of frames that passed
     */
    @Benchmark
    @OperationsPerInvocation(FRAMES)
    public int pcap4jApplyFilter() {
        int passed = 0;
        for (int k = 0; k < FRAMES; k++) {
            if (libpcap.applyFilter(copies[k])) {
                passed++;
            }
        }
        return passed;
    }
}
