package io.flowkit.bench;

import io.flowkit.FlowTracker;
import io.flowkit.FrameHandler;
import io.flowkit.LinkType;
import io.flowkit.PacketSource;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
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
import org.openjdk.jmh.annotations.Warmup;

/**
 * Cost of the one-threaded tracker per packet with {@code flows} connections open at once and
 * consecutive packets belonging to random connections: the case where the connection state no
 * longer fits in the caches. ({@link PipelineBenchmark} replays 8,192 stored frames, so however
 * many flows it opens, it touches at most 8,192 of them and stays in cache.)
 *
 * <p>Setup opens every connection with a three-way handshake (80% TCP) or a request (20% UDP).
 * Each packet is then written into one template frame: a random connection (a fixed random walk
 * of 2^20 steps), a random direction, a payload of 0 to 999 bytes, addresses, ports and, for TCP,
 * the sequence and acknowledgement numbers that continue the connection. {@code writeOnly} does
 * exactly that writing without the tracker: it is the baseline to subtract, measured in the same
 * run. Network time moves one microsecond per packet. Checksums are not verified (Zeek's
 * {@code -C}). {@code pipeline} hands each packet to {@link FlowTracker#onFrame}; {@code run}
 * hands the same packets to {@link FlowTracker#run} through a source, the path of a capture file,
 * where the tracker copies frames into batches and, with many connections open, loads their
 * state ahead so that the cache misses of a batch overlap: comparing the two shows what the
 * look-ahead saves (with a million connections) or costs (with a thousand, where it is off).
 * {@code -p threads=2} runs the same packets through the sharded tracker ({@code threads(2)}),
 * whose engine thread looks ahead at the frames of its ring the same way.
 * ns/op is per packet; B/op with {@code -prof gc} must be 0 for {@code pipeline} and {@code run}.
 * The tracker is dropped, not closed, at the end: closing it would make a million end-of-input
 * records, whose allocation JMH counts in the last iteration.
 *
 * <p>Run it with:
 * <pre>{@code
 * mvn -B -q -pl flowkit-bench -am package -DskipTests
 * java -jar flowkit-bench/target/benchmarks.jar OpenFlowsBenchmark -prof gc -f 1 -wi 3 -i 5
 * }</pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgs = {"-Xmx2g"})
public class OpenFlowsBenchmark {
    static final int BATCH = 4096;
    private static final int WALK = 1 << 20;

    /** Connections open at once. */
    @Param({"1000", "1000000"})
    public int flows;

    /** Engines: 1, or more for {@code FlowTracker.Builder.threads} (run with {@code -p threads=2}). */
    @Param({"1"})
    public int threads;

    private final ByteBuffer frame = ByteBuffer.allocateDirect(1100);
    /**
     * The frame as the tracker gets it: read-only, the buffer class of a mapped capture file (and
     * of the copies the tracker batches), as {@code PcapFile} hands frames out.
     */
    private final ByteBuffer frameView = frame.asReadOnlyBuffer();
    private FlowTracker tracker;
    private int[] walk;
    private int[] seqC;
    private int[] seqS;
    private int step;
    private long now = 1_700_000_000_000_000_000L;
    /** Frames the source still delivers in this invocation of {@link #run}. */
    private int left;
    private final PacketSource source = new PacketSource() {
        @Override
        public int poll(FrameHandler handler, int maxFrames) {
            if (left == 0) {
                return END_OF_INPUT;
            }
            int n = Math.min(maxFrames, left);
            for (int i = 0; i < n; i++) {
                int len = next();
                handler.onFrame(now += 1_000, LinkType.RAW, frameView, 0, len, len);
            }
            left -= n;
            return n;
        }

        @Override
        public String name() {
            return "open-flows";
        }

        @Override
        public void close() {
        }
    };

    /** Opens every connection. */
    @Setup(Level.Trial)
    public void setUp() {
        SplittableRandom rnd = new SplittableRandom(7);
        walk = new int[WALK];
        for (int i = 0; i < WALK; i++) {
            // flow in the low bits, direction in bit 31, payload in bits 21..30
            walk[i] = rnd.nextInt(flows) | (rnd.nextBoolean() ? 1 << 31 : 0)
                    | (rnd.nextInt(4) == 0 ? 0 : rnd.nextInt(1000)) << 21;
        }
        seqC = new int[flows];
        seqS = new int[flows];
        tracker = FlowTracker.builder().ignoreChecksums(true).threads(threads).maxConnections(flows + flows / 8 + 16)
                .build();
        for (int f = 0; f < flows; f++) {
            if (udp(f)) {
                int len = udpFrame(f, true, 32);
                tracker.onFrame(now += 1_000, LinkType.RAW, frameView, 0, len, len);
                continue;
            }
            seqC[f] = 1000 + f;
            seqS[f] = 5000 + f;
            int len = tcpFrame(f, true, seqC[f], 0, 0x02, 0);
            tracker.onFrame(now += 1_000, LinkType.RAW, frameView, 0, len, len);
            seqC[f]++;
            len = tcpFrame(f, false, seqS[f], seqC[f], 0x12, 0);
            tracker.onFrame(now += 1_000, LinkType.RAW, frameView, 0, len, len);
            seqS[f]++;
            len = tcpFrame(f, true, seqC[f], seqS[f], 0x10, 0);
            tracker.onFrame(now += 1_000, LinkType.RAW, frameView, 0, len, len);
        }
        // engine threads count what they have taken: hand them the last frames, wait for their counters
        tracker.advanceTime(now += 1_000);
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (tracker.stats().connectionsActive() != flows && System.nanoTime() < deadline) {
            LockSupport.parkNanos(1_000_000L);
        }
        if (tracker.stats().connectionsActive() != flows) {
            throw new IllegalStateException("opened " + tracker.stats().connectionsActive() + " of " + flows);
        }
    }

    private static boolean udp(int f) {
        return f % 5 == 0;
    }

    private void ipv4(int src, int dst, int proto, int len) {
        ByteBuffer b = frame;
        b.put(0, (byte) 0x45);
        b.putShort(2, (short) len);
        b.put(8, (byte) 64);
        b.put(9, (byte) proto);
        b.putInt(12, src);
        b.putInt(16, dst);
    }

    private static int client(int f) {
        return 0x0A000000 + f;
    }

    private static int server(int f) {
        return 0xC0A80000 + (f & 0xFF);
    }

    private static int clientPort(int f) {
        return 1024 + (f % 60000);
    }

    private int tcpFrame(int f, boolean fromClient, int seq, int ack, int flags, int payload) {
        int len = 40 + payload;
        int c = client(f);
        int s = server(f);
        int cp = clientPort(f);
        ipv4(fromClient ? c : s, fromClient ? s : c, 6, len);
        ByteBuffer b = frame;
        b.putShort(20, (short) (fromClient ? cp : 443));
        b.putShort(22, (short) (fromClient ? 443 : cp));
        b.putInt(24, seq);
        b.putInt(28, ack);
        b.put(32, (byte) 0x50);
        b.put(33, (byte) flags);
        b.putShort(34, (short) 8192);
        return len;
    }

    private int udpFrame(int f, boolean fromClient, int payload) {
        int len = 28 + payload;
        int c = client(f);
        int s = server(f);
        int cp = clientPort(f);
        ipv4(fromClient ? c : s, fromClient ? s : c, 17, len);
        ByteBuffer b = frame;
        b.putShort(20, (short) (fromClient ? cp : 53));
        b.putShort(22, (short) (fromClient ? 53 : cp));
        b.putShort(24, (short) (8 + payload));
        return len;
    }

    /** Writes the next packet of the walk into the frame and returns its length. */
    private int next() {
        int w = walk[step++ & (WALK - 1)];
        int f = w & ((1 << 21) - 1);
        boolean fromClient = w < 0;
        int payload = (w >>> 21) & 0x3FF;
        if (udp(f)) {
            return udpFrame(f, fromClient, payload);
        }
        int len;
        if (fromClient) {
            len = tcpFrame(f, true, seqC[f], seqS[f], 0x18, payload);
            seqC[f] += payload;
        } else {
            len = tcpFrame(f, false, seqS[f], seqC[f], 0x18, payload);
            seqS[f] += payload;
        }
        return len;
    }

    /** @return network time, so nothing is optimised away */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long pipeline() {
        for (int i = 0; i < BATCH; i++) {
            int len = next();
            tracker.onFrame(now += 1_000, LinkType.RAW, frameView, 0, len, len);
        }
        return tracker.networkTimeNanos();
    }

    /**
     * The same packets as {@link #pipeline}, through {@link FlowTracker#run} from a source that
     * writes each into its one reused frame: the path a capture file takes, where the tracker
     * may batch frames and look ahead at their connections.
     *
     * @return network time, so nothing is optimised away
     * @throws IOException never: the source does not fail
     */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long run() throws IOException {
        left = BATCH;
        tracker.run(source);
        return tracker.networkTimeNanos();
    }

    /** @return a sum of the frame lengths written, so nothing is optimised away */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long writeOnly() {
        long sum = 0;
        for (int i = 0; i < BATCH; i++) {
            sum += next();
            now += 1_000;
        }
        return sum + frame.getInt(24);
    }
}
