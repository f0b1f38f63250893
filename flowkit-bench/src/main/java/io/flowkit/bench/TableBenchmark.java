package io.flowkit.bench;

import io.flowkit.core.internal.table.ConnectionTable;
import it.unimi.dsi.fastutil.longs.Long2IntOpenHashMap;
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
 * Cost of the connection table's per-packet work: find the slot of a packet (either direction,
 * canonical key) and update a per-slot counter. (The table keeps no order of use; the engine's
 * timer wheel chooses what to evict.) The packets are 2^20 drawn in advance and walked in
 * turn, so that with a million live connections consecutive packets hit random connections
 * and the table does not stay in the caches. ns/op is per packet; B/op
 * with {@code -prof gc} ({@code gc.alloc.rate.norm} divided by {@value #QUERIES}) must be 0.
 *
 * <p>{@code baselineLong2Int} is the floor to compare against in the same run: a fastutil
 * {@code Long2IntOpenHashMap} probed with a precomputed 64-bit hash of the 5-tuple, as in the
 * "mmap + 5-tuple + primitive map" row of FIELD-NOTES (no canonical key).
 *
 * <p>Run it with:
 * <pre>{@code
 * mvn -B -q -pl flowkit-bench -am package -DskipTests
 * java -jar flowkit-bench/target/benchmarks.jar TableBenchmark -prof gc
 * }</pre>
 * A short run: add {@code -f 1 -wi 2 -i 3 -w 1s -r 1s}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgs = {"-Xmx2g"})
public class TableBenchmark {
    static final int QUERIES = 4096;
    /** Distinct packets drawn in advance; each invocation takes the next {@value #QUERIES}. */
    private static final int POOL = 1 << 20;
    private static final long V4 = 0xFFFF_0000_0000L;

    /** Live connections in the table. */
    @Param({"1000", "1000000"})
    public int live;

    private ConnectionTable table;
    private long[] counters;
    private Long2IntOpenHashMap baseline;
    private long[] qSrc;
    private long[] qDst;
    private int[] qSport;
    private int[] qDport;
    private long[] qHash;
    private int cursor;

    /** Fills the table with random IPv4 TCP connections and picks random packets of them. */
    @Setup
    public void setUp() {
        SplittableRandom rnd = new SplittableRandom(11);
        table = new ConnectionTable(live, live);
        counters = new long[live];
        baseline = new Long2IntOpenHashMap(live);
        long[] src = new long[live];
        long[] dst = new long[live];
        int[] sport = new int[live];
        int[] dport = new int[live];
        for (int i = 0; i < live; i++) {
            src[i] = V4 | (0x0A000000L + rnd.nextInt(1 << 24));
            dst[i] = V4 | (0xC0000000L + rnd.nextInt(1 << 20));
            sport[i] = 1024 + rnd.nextInt(60000);
            dport[i] = rnd.nextBoolean() ? 443 : 80;
            if (table.find(6, 0, src[i], sport[i], 0, dst[i], dport[i]) < 0) {
                table.insert(6, 0, src[i], sport[i], 0, dst[i], dport[i]);
            }
            baseline.put(hash(src[i], sport[i], dst[i], dport[i]), i);
        }
        qSrc = new long[POOL];
        qDst = new long[POOL];
        qSport = new int[POOL];
        qDport = new int[POOL];
        qHash = new long[POOL];
        for (int q = 0; q < POOL; q++) {
            int i = rnd.nextInt(live);
            boolean reply = rnd.nextBoolean();
            qSrc[q] = reply ? dst[i] : src[i];
            qDst[q] = reply ? src[i] : dst[i];
            qSport[q] = reply ? dport[i] : sport[i];
            qDport[q] = reply ? sport[i] : dport[i];
            qHash[q] = hash(src[i], sport[i], dst[i], dport[i]);
        }
    }

    private static long hash(long src, int sport, long dst, int dport) {
        long h = (src * 0x9E3779B97F4A7C15L) ^ (dst * 0xC2B2AE3D27D4EB4FL) ^ ((long) sport << 16 | dport);
        return h ^ (h >>> 31);
    }

    /** @return a checksum of the slots found, so nothing is optimised away */
    @Benchmark
    @OperationsPerInvocation(QUERIES)
    public long findUpdate() {
        long sum = 0;
        int from = cursor;
        cursor = (cursor + QUERIES) & (POOL - 1);
        for (int q = from; q < from + QUERIES; q++) {
            int s = table.find(6, 0, qSrc[q], qSport[q], 0, qDst[q], qDport[q]);
            counters[s]++;
            sum += s;
        }
        return sum;
    }

    /** @return a checksum of the values found */
    @Benchmark
    @OperationsPerInvocation(QUERIES)
    public long baselineLong2Int() {
        long sum = 0;
        int from = cursor;
        cursor = (cursor + QUERIES) & (POOL - 1);
        for (int q = from; q < from + QUERIES; q++) {
            int s = baseline.get(qHash[q]);
            counters[s]++;
            sum += s;
        }
        return sum;
    }
}
