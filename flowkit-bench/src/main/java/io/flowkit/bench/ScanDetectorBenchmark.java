package io.flowkit.bench;

import io.flowkit.CloseReason;
import io.flowkit.ConnState;
import io.flowkit.Connection;
import io.flowkit.Protocol;
import io.flowkit.ScanDetection;
import io.flowkit.core.internal.scan.ScanDetector;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
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
 * Cost of scan detection per connection outcome (one record handed to the detector), all four
 * detectors on with default thresholds. ns/op is per outcome; B/op is {@code gc.alloc.rate.norm}
 * from {@code -prof gc} divided by {@value #OUTCOMES}.
 *
 * <ul>
 *   <li>{@code knownSources}: {@code sources} hosts (IPv4) make failed and successful attempts to
 *       a few targets each; every source is already tracked, so this is the steady state and
 *       must allocate nothing (no event fires: the targets stay below every threshold).</li>
 *   <li>{@code spoofedFlood}: every outcome is an unanswered SYN from a new source (65,536
 *       spoofed addresses recycled): each takes a slot of the first-contact table and, once the
 *       table is full, pushes out another one-attempt source.</li>
 *   <li>{@code promotedSources}: every source makes two unanswered attempts to two hosts, so every
 *       second outcome promotes a source to full state (sets, cache insert) and, at the bound,
 *       evicts one: the worst case for new sources.</li>
 *   <li>{@code fewAttemptSources}: traffic shaped like the 3-million-packet capture of the README's
 *       performance table: each source makes 1 to 4 attempts (mostly answered) to distinct hosts
 *       within a few seconds, and new sources arrive so that about {@code sources} of them are
 *       inside the 5-minute window at once: 1,000 fit the first-contact table (16,384 slots),
 *       100,000 overload it as the capture's 50,000 do. {@value #FEW_RECORDS} records in time
 *       order, replayed through a fresh detector each time they run out (its tables, about 9 MB,
 *       add a few B/op).</li>
 *   <li>{@code baselineDetectorsOff}: the same records as {@code knownSources} through a detector
 *       with every detector off (classification, cache lookup, counters): the floor to compare
 *       against in the same run.</li>
 * </ul>
 *
 * <p>Run it with:
 * <pre>{@code
 * mvn -B -q -pl flowkit-bench -am package -DskipTests
 * java -jar flowkit-bench/target/benchmarks.jar ScanDetectorBenchmark -prof gc
 * }</pre>
 * A short run: add {@code -f 1 -wi 2 -i 3 -w 1s -r 1s}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgs = {"-Xmx2g"})
public class ScanDetectorBenchmark {
    static final int OUTCOMES = 4096;
    /** Records of {@code fewAttemptSources}: about 240,000 sources. */
    static final int FEW_RECORDS = 1 << 19;
    private static final long T0 = 1_700_000_000_000_000_000L;

    /** Distinct sources making the attempts of {@code knownSources}. */
    @Param({"1000", "100000"})
    public int sources;

    private ScanDetector detector;
    private ScanDetector baseline;
    private ScanDetector flood;
    private Connection[] known;
    private Connection[] spoofed;
    private int floodNext;
    private ScanDetector promoting;
    private Connection[] pairs;
    private int pairNext;
    private ScanDetector few;
    private Connection[] fewRecords;
    private int fewNext;

    private static InetAddress v4(int a) throws UnknownHostException {
        return InetAddress.getByAddress(new byte[] {(byte) (a >>> 24), (byte) (a >>> 16), (byte) (a >>> 8), (byte) a});
    }

    private static Connection record(int i, InetAddress orig, InetAddress resp, int port, boolean failed) {
        return record(i, T0, orig, resp, port, failed);
    }

    private static Connection record(int i, long start, InetAddress orig, InetAddress resp, int port, boolean failed) {
        return new Connection("C" + i, start, orig, 40000 + (i & 0xFFF), resp, port, Protocol.TCP, 6, null,
                failed ? 0 : 1_000_000, 0, 0, failed ? ConnState.REJ : ConnState.SF, true, true, 0,
                failed ? "Sr" : "ShADadFf", failed ? 1 : 5, failed ? 40 : 300, failed ? 1 : 4, failed ? 40 : 260,
                List.of(), CloseReason.CLOSED);
    }

    /** Makes the records and lets every source of {@code knownSources} be seen once. */
    @Setup
    public void setUp() throws UnknownHostException {
        SplittableRandom rnd = new SplittableRandom(42);
        // room for every source: a cache at its bound churns (W-TinyLFU may evict just below it);
        // the bound is in bytes too, and each of these sources weighs about 4 KB: 8 KiB each
        ScanDetection settings = ScanDetection.builder().maxSources(8 * sources).build();
        detector = new ScanDetector(settings, List.of(e -> { }));
        baseline = new ScanDetector(ScanDetection.builder().addressScan(false).portScan(false)
                .portAddressScan(false).trw(false).maxSources(8 * sources).build(), List.of(e -> { }));
        flood = new ScanDetector(ScanDetection.builder().maxSources(10_000).build(), List.of(e -> { }));
        // each source talks to 3 hosts on 3 ports, mostly answered: below every threshold
        Connection[] all = new Connection[sources * 9];
        for (int s = 0; s < sources; s++) {
            InetAddress src = v4(0x0B00_0000 + s);
            for (int k = 0; k < 9; k++) {
                InetAddress dst = v4(0x0A00_0000 + (s * 7 + k / 3) % 5000);
                all[s * 9 + k] = record(s * 9 + k, src, dst, 20 + k % 3, k % 3 == 0);
            }
        }
        for (Connection c : all) {
            detector.onConnection(c);
            baseline.onConnection(c);
        }
        known = new Connection[OUTCOMES];
        for (int i = 0; i < OUTCOMES; i++) {
            known[i] = all[rnd.nextInt(all.length)];
        }
        spoofed = new Connection[1 << 16];
        InetAddress victim = v4(0x0A63_0001);
        for (int i = 0; i < spoofed.length; i++) {
            spoofed[i] = record(i, v4(0x2000_0000 + i), victim, 80, true);
        }
        promoting = new ScanDetector(ScanDetection.builder().maxSources(10_000).build(), List.of(e -> { }));
        pairs = new Connection[1 << 16];
        InetAddress victim2 = v4(0x0A63_0002);
        for (int i = 0; i < pairs.length; i++) {
            pairs[i] = record(i, v4(0x3000_0000 + i / 2), (i & 1) == 0 ? victim : victim2, 80, true);
        }
        fewRecords = fewAttemptRecords(rnd, sources);
        few = new ScanDetector(ScanDetection.defaults(), List.of(e -> { }));
    }

    /**
     * Sources with 1 to 4 attempts each, a quarter unanswered, in start order, arriving so that
     * {@code live} of them fall in a 5-minute window.
     */
    private static Connection[] fewAttemptRecords(SplittableRandom rnd, int live) throws UnknownHostException {
        long[] starts = new long[FEW_RECORDS];
        int[] sourceOf = new int[FEW_RECORDS];
        long arrival = T0;
        int n = 0;
        for (int s = 0; n < FEW_RECORDS; s++) {
            arrival += 300_000_000_000L / live;
            int k = rnd.nextInt(10) < 4 ? 1 : 2 + rnd.nextInt(3);
            for (int a = 0; a < k && n < FEW_RECORDS; a++, n++) {
                starts[n] = arrival + rnd.nextLong(5_000_000_000L);
                sourceOf[n] = s;
            }
        }
        Integer[] order = new Integer[FEW_RECORDS];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        java.util.Arrays.sort(order, (a, b) -> Long.compare(starts[a], starts[b]));
        Connection[] out = new Connection[FEW_RECORDS];
        int[] attemptsOf = new int[sourceOf[FEW_RECORDS - 1] + 1];
        for (int i = 0; i < out.length; i++) {
            int r = order[i];
            int s = sourceOf[r];
            InetAddress src = v4(0x0C00_0000 + s);
            InetAddress dst = v4(0x0A00_0000 + (s * 7 + attemptsOf[s]++) % 5000);
            boolean failed = rnd.nextInt(4) == 0;
            out[i] = record(i, starts[r], src, dst, rnd.nextBoolean() ? 443 : 80, failed);
        }
        return out;
    }

    /**
     * Steady state: outcomes of tracked sources.
     *
     * @return the last source count, so the work is not dead
     */
    @Benchmark
    @OperationsPerInvocation(OUTCOMES)
    public int knownSources() {
        Connection[] k = known;
        for (Connection c : k) {
            detector.onConnection(c);
        }
        return k.length;
    }

    /**
     * Same records, every detector off.
     *
     * @return the record count, so the work is not dead
     */
    @Benchmark
    @OperationsPerInvocation(OUTCOMES)
    public int baselineDetectorsOff() {
        Connection[] k = known;
        for (Connection c : k) {
            baseline.onConnection(c);
        }
        return k.length;
    }

    /**
     * A new source per outcome (65,536 recycled spoofed addresses, 10,000 tracked at most).
     *
     * @return the next index, so the work is not dead
     */
    @Benchmark
    @OperationsPerInvocation(OUTCOMES)
    public int spoofedFlood() {
        Connection[] s = spoofed;
        int n = floodNext;
        for (int i = 0; i < OUTCOMES; i++) {
            flood.onConnection(s[n]);
            n = (n + 1) & (s.length - 1);
        }
        floodNext = n;
        return n;
    }

    /**
     * Sources with a few attempts each, as in a generated capture; a fresh detector when the
     * records run out.
     *
     * @return the next index, so the work is not dead
     */
    @Benchmark
    @OperationsPerInvocation(OUTCOMES)
    public int fewAttemptSources() {
        Connection[] r = fewRecords;
        int n = fewNext;
        for (int i = 0; i < OUTCOMES; i++) {
            few.onConnection(r[n]);
            if (++n == r.length) {
                n = 0;
                few = new ScanDetector(ScanDetection.defaults(), List.of(e -> { }));
            }
        }
        fewNext = n;
        return n;
    }

    /**
     * A new source per two outcomes, promoted by its second (32,768 recycled sources, 10,000 with
     * full state at most).
     *
     * @return the next index, so the work is not dead
     */
    @Benchmark
    @OperationsPerInvocation(OUTCOMES)
    public int promotedSources() {
        Connection[] s = pairs;
        int n = pairNext;
        for (int i = 0; i < OUTCOMES; i++) {
            promoting.onConnection(s[n]);
            n = (n + 1) & (s.length - 1);
        }
        pairNext = n;
        return n;
    }
}
