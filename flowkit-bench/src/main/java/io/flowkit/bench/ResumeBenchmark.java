package io.flowkit.bench;

import io.flowkit.FlowTracker;
import io.flowkit.LinkType;
import java.nio.ByteBuffer;
import java.time.Duration;
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
 * Cost of resumed-connection linking per connection event: each operation is one TCP connection
 * that a mid-stream segment creates and the inactivity timeout removes, {@value #FLOWS} of them
 * per invocation, on the same 5-tuples every time. With {@code link=true} every creation is a hit
 * in the store of expired connections (claim, session totals in the record, remember again);
 * with {@code link=false} the same work without linking, the baseline in the same run. Both
 * allocate the record per connection ({@code gc.alloc.rate.norm} divided by {@value #FLOWS});
 * the difference is the cost of linking, the session object included.
 *
 * <p>Run it with:
 * <pre>{@code
 * mvn -B -q -pl flowkit-bench -am package -DskipTests
 * java -jar flowkit-bench/target/benchmarks.jar ResumeBenchmark -prof gc
 * }</pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgs = {"-Xmx1g"})
public class ResumeBenchmark {
    static final int FLOWS = 4096;
    private static final int SLOT = 64;
    private static final long IDLE = Duration.ofMinutes(30).toNanos();

    /** Whether the tracker links resumed connections. */
    @Param({"false", "true"})
    public boolean link;

    private final ByteBuffer frames = ByteBuffer.allocateDirect(FLOWS * SLOT);
    private final int[] lengths = new int[FLOWS];
    private FlowTracker tracker;
    private long now = 1_700_000_000_000_000_000L;

    /** Builds one mid-stream segment per flow. */
    @Setup(Level.Trial)
    public void setUp() {
        for (int f = 0; f < FLOWS; f++) {
            int off = f * SLOT;
            int len = 40 + 10;
            ByteBuffer b = frames;
            b.put(off, (byte) 0x45);
            b.putShort(off + 2, (short) len);
            b.put(off + 8, (byte) 64);
            b.put(off + 9, (byte) 6);
            b.putInt(off + 12, 0x0A000000 + f);
            b.putInt(off + 16, 0xC0A80001);
            b.putShort(off + 20, (short) (20000 + f));
            b.putShort(off + 22, (short) 7000);
            b.putInt(off + 24, 1000);
            b.putInt(off + 28, 5000);
            b.put(off + 32, (byte) 0x50);
            b.put(off + 33, (byte) 0x18);
            b.putShort(off + 34, (short) 8192);
            lengths[f] = len;
        }
        FlowTracker.Builder builder = FlowTracker.builder().ignoreChecksums(true);
        if (link) {
            builder.linkResumed(Duration.ofDays(365));
        }
        tracker = builder.build();
    }

    /** Flushes the tracker. */
    @TearDown(Level.Trial)
    public void tearDown() {
        tracker.close();
    }

    /** @return records linked so far, so nothing is optimised away */
    @Benchmark
    @OperationsPerInvocation(FLOWS)
    public long connections() {
        for (int f = 0; f < FLOWS; f++) {
            tracker.onFrame(now += 1_000, LinkType.RAW, frames, f * SLOT, lengths[f], lengths[f]);
        }
        now += IDLE;
        tracker.advanceTime(now);
        return tracker.stats().resumeLinks();
    }
}
