package io.flowkit.bench;

import io.flowkit.core.internal.timer.TimerWheel;
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
 * Cost of the timer wheel as the engine uses it: per packet, network time moves forward by one
 * microsecond and one connection's timer is moved to a deadline 1 to 300 seconds ahead;
 * expired timers are re-armed from the expiry callback, so the number of pending timers stays
 * at {@code timers}. ns/op is per packet; B/op with {@code -prof gc} must be 0.
 * {@code scheduleOnly} is the floor in the same run: the same moves without advancing time.
 *
 * <p>Run it with:
 * <pre>{@code
 * mvn -B -q -pl flowkit-bench -am package -DskipTests
 * java -jar flowkit-bench/target/benchmarks.jar TimerWheelBenchmark -prof gc
 * }</pre>
 * A short run: add {@code -f 1 -wi 2 -i 3 -w 1s -r 1s}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class TimerWheelBenchmark implements TimerWheel.Expiry {
    static final int OPS = 4096;

    /** Pending timers. */
    @Param({"1000", "1000000"})
    public int timers;

    private TimerWheel wheel;
    /** The owner's deadlines, as the engine keeps them in its connection rows. */
    private long[] deadlines;
    private int[] slots;
    private long[] delays;
    private long now = 1_700_000_000_000_000_000L;

    /** Schedules every slot once and precomputes the moves. */
    @Setup
    public void setUp() {
        SplittableRandom rnd = new SplittableRandom(3);
        deadlines = new long[timers];
        wheel = new TimerWheel(timers, now, s -> deadlines[s]);
        for (int s = 0; s < timers; s++) {
            schedule(s, now + 1_000_000_000L + rnd.nextLong(299_000_000_000L));
        }
        slots = new int[OPS];
        delays = new long[OPS];
        for (int i = 0; i < OPS; i++) {
            slots[i] = rnd.nextInt(timers);
            delays[i] = 1_000_000_000L + rnd.nextLong(299_000_000_000L);
        }
    }

    @Override
    public void expired(int slot, long deadline, long at) {
        schedule(slot, at + 60_000_000_000L);
    }

    private void schedule(int slot, long at) {
        deadlines[slot] = at;
        wheel.schedule(slot, at);
    }

    /** @return the pending count, so nothing is optimised away */
    @Benchmark
    @OperationsPerInvocation(OPS)
    public int advanceAndReschedule() {
        for (int i = 0; i < OPS; i++) {
            now += 1_000;
            wheel.advance(now, this);
            schedule(slots[i], now + delays[i]);
        }
        return wheel.size();
    }

    /** @return the pending count */
    @Benchmark
    @OperationsPerInvocation(OPS)
    public int scheduleOnly() {
        long t = now;
        for (int i = 0; i < OPS; i++) {
            schedule(slots[i], t + delays[i]);
        }
        return wheel.size();
    }
}
