package io.flowkit.bench;

import io.flowkit.FlowTracker;
import io.flowkit.LinkType;
import io.flowkit.TrackerConfig;
import io.flowkit.core.internal.decode.Decoder;
import io.flowkit.core.internal.decode.PacketView;
import java.nio.ByteBuffer;
import java.util.SplittableRandom;
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

/**
 * Cost of the whole tracker per packet (decode, timers, table, TCP/UDP state machines): ns/op
 * is per packet; B/op with {@code -prof gc} ({@code gc.alloc.rate.norm}, counted over every
 * thread of the JVM, engine threads included) must be 0. {@code decodeOnly} runs the same frames through the decoder alone,
 * the floor to compare against in the same run.
 *
 * <p>The frames are {@value #FRAMES} raw IPv4 packets over {@code flows} established
 * connections, 80% TCP (data and acks both ways) and 20% UDP, payloads of 0 to 1,000 bytes;
 * network time moves one microsecond per packet. Checksums are not verified (Zeek's {@code -C}).
 * Each direction's sequence numbers start at 0, so a connection picked up mid-stream gets the
 * faked initial sequence number 2^32 - 1 and its sequence and acknowledgement numbers wrap at
 * the first data: the frames take the path of wrapped connections (wrap counts in side maps),
 * about 20 ns a packet dearer than sequence numbers that never wrap.
 * The frames touch at most {@value #FRAMES} connections, so even with 100,000 flows the state they
 * touch stays in the caches; {@link OpenFlowsBenchmark} measures packets on random connections
 * among a million open ones.
 *
 * <p>Run it with:
 * <pre>{@code
 * mvn -B -q -pl flowkit-bench -am package -DskipTests
 * java -jar flowkit-bench/target/benchmarks.jar PipelineBenchmark -prof gc
 * }</pre>
 * A short run: add {@code -f 1 -wi 2 -i 3 -w 1s -r 1s}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgs = {"-Xmx1g"})
public class PipelineBenchmark {
    static final int FRAMES = 8192;
    private static final int SLOT = 1100;

    /** Concurrent connections the frames belong to. */
    @Param({"1000", "100000"})
    public int flows;

    /**
     * Engines ({@code FlowTracker.builder().threads(n)}): 1 runs everything on the
     * benchmark thread; 2 makes it the reader of a sharded tracker that runs one of the two
     * engines itself, so ns/op is the wall time per packet of the whole pipeline, limited by the
     * reader or by the engine thread.
     */
    @Param({"1", "2"})
    public int threads;

    private ByteBuffer frames;
    private int[] lengths;
    private FlowTracker tracker;
    private Decoder decoder;
    private final PacketView view = new PacketView();
    private long now = 1_700_000_000_000_000_000L;

    /** Builds the frames and opens every connection once. */
    @Setup(Level.Trial)
    public void setUp() {
        SplittableRandom rnd = new SplittableRandom(5);
        frames = ByteBuffer.allocateDirect(FRAMES * SLOT);
        lengths = new int[FRAMES];
        int[] seqC = new int[flows];
        int[] seqS = new int[flows];
        for (int i = 0; i < FRAMES; i++) {
            int f = rnd.nextInt(flows);
            boolean udp = f % 5 == 0;
            boolean fromClient = rnd.nextBoolean();
            int client = 0x0A000000 + f;
            int server = 0xC0A80000 + (f & 0xFF);
            int cport = 1024 + (f % 60000);
            int sport = udp ? 53 : 443;
            int payload = rnd.nextInt(4) == 0 ? 0 : rnd.nextInt(1000);
            int off = i * SLOT;
            if (udp) {
                lengths[i] = fromClient ? udp(off, client, server, cport, sport, payload)
                        : udp(off, server, client, sport, cport, payload);
            } else if (fromClient) {
                lengths[i] = tcp(off, client, server, cport, sport, seqC[f], seqS[f], payload);
                seqC[f] += payload;
            } else {
                lengths[i] = tcp(off, server, client, sport, cport, seqS[f], seqC[f], payload);
                seqS[f] += payload;
            }
        }
        tracker = FlowTracker.builder().ignoreChecksums(true).threads(threads).build();
        TrackerConfig config = FlowTracker.builder().ignoreChecksums(true).config();
        decoder = new Decoder(config);
        for (int round = 0; round < 4; round++) {
            pipeline();
        }
    }

    /** Flushes the tracker. */
    @TearDown(Level.Trial)
    public void tearDown() {
        tracker.close();
    }

    private void ipv4(int off, int src, int dst, int proto, int len) {
        ByteBuffer b = frames;
        b.put(off, (byte) 0x45);
        b.putShort(off + 2, (short) len);
        b.put(off + 8, (byte) 64);
        b.put(off + 9, (byte) proto);
        b.putInt(off + 12, src);
        b.putInt(off + 16, dst);
        int sum = 0;
        for (int i = 0; i < 20; i += 2) {
            sum += b.getShort(off + i) & 0xFFFF;
        }
        sum = (sum & 0xFFFF) + (sum >>> 16);
        sum = (sum & 0xFFFF) + (sum >>> 16);
        b.putShort(off + 10, (short) ~sum);
    }

    private int tcp(int off, int src, int dst, int sport, int dport, int seq, int ack, int payload) {
        int len = 40 + payload;
        ipv4(off, src, dst, 6, len);
        ByteBuffer b = frames;
        b.putShort(off + 20, (short) sport);
        b.putShort(off + 22, (short) dport);
        b.putInt(off + 24, seq);
        b.putInt(off + 28, ack);
        b.put(off + 32, (byte) 0x50);
        b.put(off + 33, (byte) 0x18);
        b.putShort(off + 34, (short) 8192);
        return len;
    }

    private int udp(int off, int src, int dst, int sport, int dport, int payload) {
        int len = 28 + payload;
        ipv4(off, src, dst, 17, len);
        ByteBuffer b = frames;
        b.putShort(off + 20, (short) sport);
        b.putShort(off + 22, (short) dport);
        b.putShort(off + 24, (short) (8 + payload));
        return len;
    }

    /** @return network time, so nothing is optimised away */
    @Benchmark
    @OperationsPerInvocation(FRAMES)
    public long pipeline() {
        for (int i = 0; i < FRAMES; i++) {
            tracker.onFrame(now += 1_000, LinkType.RAW, frames, i * SLOT, lengths[i], lengths[i]);
        }
        return tracker.networkTimeNanos();
    }

    /** @return decoded packets */
    @Benchmark
    @OperationsPerInvocation(FRAMES)
    public int decodeOnly() {
        int n = 0;
        for (int i = 0; i < FRAMES; i++) {
            if (decoder.decode(now += 1_000, LinkType.RAW, frames, i * SLOT, lengths[i], lengths[i], view)) {
                n++;
            }
        }
        return n;
    }
}
