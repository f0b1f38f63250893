package io.flowkit.bench;

import io.flowkit.Compressor;
import io.flowkit.core.internal.compress.PendingTable;
import io.flowkit.core.internal.decode.PacketView;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
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
 * Cost of the compressor's pending table per packet, with the table held at its bound:
 * {@code floodSyn} is what a spoofed SYN costs under a flood (look the key up and miss, evict the
 * stalest entry into a reused view, insert the new one); {@code replyLookup} is the lookup of a
 * reply to a pending entry (either direction, a hit, the entry left in place). ns/op is per
 * packet; B/op with {@code -prof gc} ({@code gc.alloc.rate.norm}) must be 0, and
 * {@code HotPathAllocationTest} checks it in {@code mvn verify}.
 *
 * <p>Run it with:
 * <pre>{@code
 * mvn -B -q -pl flowkit-bench -am package -DskipTests
 * java -jar flowkit-bench/target/benchmarks.jar PendingTableBenchmark -prof gc
 * }</pre>
 * A short run: add {@code -f 1 -wi 2 -i 3 -w 1s -r 1s}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgs = {"-Xmx1g"})
public class PendingTableBenchmark {
    static final int QUERIES = 4096;
    private static final long V4 = 0xFFFF_0000_0000L;
    private static final long SERVER = V4 | 0xC0A80001L;

    /** Pending entries: the table's bound, and how many it holds. */
    @Param({"1000", "1000000"})
    public int live;

    private PendingTable table;
    private final PacketView v = new PacketView();
    private final PacketView out = new PacketView();
    private long[] qSrc;
    private int[] qSport;
    private boolean[] qReply;
    private int next;
    private long t = 1_700_000_000_000_000_000L;

    /** Fills the table to its bound with SYNs from distinct sources and picks replies to some. */
    @Setup
    public void setUp() {
        table = new PendingTable(Compressor.builder().maxPendingConnections(live).build(), Long.MAX_VALUE / 4);
        v.ipVersion = 4;
        v.ipProto = 6;
        v.tcpFlags = 0x02;
        v.window = 1024;
        v.ipLength = 40;
        SplittableRandom rnd = new SplittableRandom(5);
        long[] src = new long[live];
        int[] sport = new int[live];
        for (int i = 0; i < live; i++) {
            syn(i);
            src[i] = v.srcLo;
            sport[i] = v.srcPort;
            table.insert(v, i);
        }
        next = live;
        qSrc = new long[QUERIES];
        qSport = new int[QUERIES];
        qReply = new boolean[QUERIES];
        for (int q = 0; q < QUERIES; q++) {
            int i = rnd.nextInt(live);
            qSrc[q] = src[i];
            qSport[q] = sport[i];
            qReply[q] = rnd.nextBoolean();
        }
    }

    /** The i-th spoofed SYN: a distinct source address and port for 2^30 SYNs. */
    private void syn(int i) {
        v.timestampNanos = t += 1000;
        v.srcHi = 0;
        v.srcLo = V4 | (0x0B000000L + (i & 0xFF_FFFF));
        v.srcPort = 1024 + ((i >>> 24) & 0x3F);
        v.dstHi = 0;
        v.dstLo = SERVER;
        v.dstPort = 80;
        v.seq = i;
    }

    /** @return a checksum of the uids evicted, so nothing is optimised away */
    @Benchmark
    @OperationsPerInvocation(QUERIES)
    public long floodSyn() {
        long sum = 0;
        for (int q = 0; q < QUERIES; q++) {
            syn(next++);
            if (table.find(v) < 0 && table.accepts(v)) {
                if (table.isAtBound()) {
                    sum += table.take(table.evictionCandidate(), out);
                }
                table.insert(v, next);
            }
        }
        return sum;
    }

    /** @return a checksum of the positions found */
    @Benchmark
    @OperationsPerInvocation(QUERIES)
    public long replyLookup() {
        long sum = 0;
        v.srcHi = 0;
        v.dstHi = 0;
        for (int q = 0; q < QUERIES; q++) {
            boolean reply = qReply[q];
            v.srcLo = reply ? SERVER : qSrc[q];
            v.dstLo = reply ? qSrc[q] : SERVER;
            v.srcPort = reply ? 80 : qSport[q];
            v.dstPort = reply ? qSport[q] : 80;
            sum += table.find(v);
        }
        return sum;
    }
}
