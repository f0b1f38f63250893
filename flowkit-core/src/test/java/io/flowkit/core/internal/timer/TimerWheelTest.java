package io.flowkit.core.internal.timer;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.ToLongFunction;
import org.junit.jupiter.api.Test;

class TimerWheelTest {

    /** A fired timer as the wheel reports it. */
    private record Fired(int slot, long deadline, long now) {
    }

    private static List<Fired> advance(TimerWheel w, long to) {
        List<Fired> out = new ArrayList<>();
        w.advance(to, (slot, deadline, now) -> out.add(new Fired(slot, deadline, now)));
        return out;
    }

    @Test
    void clearCancelsEveryTimerAndTheWheelSchedulesAgain() {
        TimerWheel w = new TimerWheel(8, 0);
        for (int slot = 0; slot < 8; slot++) {
            w.schedule(slot, 1_000L << (4 * slot)); // from the first level to the coarsest
        }
        w.clear();
        for (int slot = 0; slot < 8; slot++) {
            assertThat(w.isScheduled(slot)).isFalse();
        }
        assertThat(advance(w, 1L << 40)).isEmpty();
        w.schedule(5, (1L << 40) + 2_000_000);
        w.schedule(2, (1L << 40) + 1_000_000);
        assertThat(advance(w, (1L << 40) + 3_000_000)).extracting(Fired::slot).containsExactly(2, 5);
    }

    @Test
    void firesAtFirstAdvanceAtOrPastDeadlineNeverBefore() {
        TimerWheel w = new TimerWheel(4, 1_000);
        w.schedule(0, 5_000);
        assertThat(advance(w, 4_999)).isEmpty();
        assertThat(advance(w, 5_000)).containsExactly(new Fired(0, 5_000, 5_000));
        assertThat(w.isScheduled(0)).isFalse();
        assertThat(w.size()).isZero();
    }

    @Test
    void firesTimerInCurrentMillisecondOnSecondAdvanceWithinSameTick() {
        TimerWheel w = new TimerWheel(2, 0);
        w.schedule(1, 600);
        assertThat(advance(w, 500)).isEmpty();
        assertThat(advance(w, 700)).extracting(Fired::slot).containsExactly(1);
    }

    @Test
    void firesPastDeadlineAtNextAdvance() {
        TimerWheel w = new TimerWheel(2, 10_000_000_000L);
        w.schedule(0, 5);
        assertThat(advance(w, 10_000_000_001L)).extracting(Fired::slot).containsExactly(0);
    }

    @Test
    void firesDueTimersInDeadlineOrderAcrossLevels() {
        TimerWheel w = new TimerWheel(8, 0);
        long hour = 3_600_000_000_000L;
        w.schedule(0, 3 * hour);
        w.schedule(1, 5);
        w.schedule(2, hour);
        w.schedule(3, 200_000_000_000L);
        w.schedule(4, 5);
        assertThat(advance(w, 4 * hour)).extracting(Fired::slot).containsExactly(1, 4, 3, 2, 0);
    }

    @Test
    void cancelThenRescheduleFiresOnlyAtNewDeadline() {
        TimerWheel w = new TimerWheel(2, 0);
        w.schedule(0, 1_000_000_000L);
        w.cancel(0);
        assertThat(w.isScheduled(0)).isFalse();
        w.schedule(0, 3_000_000_000L);
        assertThat(advance(w, 2_000_000_000L)).isEmpty();
        assertThat(advance(w, 3_000_000_000L)).extracting(Fired::deadline).containsExactly(3_000_000_000L);
    }

    @Test
    void expiryMayRescheduleItsOwnSlotAndCancelAnotherDueSlot() {
        TimerWheel w = new TimerWheel(2, 0);
        w.schedule(0, 10);
        w.schedule(1, 20);
        List<Integer> fired = new ArrayList<>();
        w.advance(100, (slot, deadline, now) -> {
            fired.add(slot);
            if (slot == 0) {
                w.cancel(1);
                w.schedule(0, now + 50);
            }
        });
        assertThat(fired).containsExactly(0);
        assertThat(w.isScheduled(0)).isTrue();
        assertThat(advance(w, 150)).extracting(Fired::slot).containsExactly(0);
    }

    @Test
    void ignoresTimeGoingBackwards() {
        TimerWheel w = new TimerWheel(1, 1_000);
        w.schedule(0, 2_000);
        assertThat(advance(w, 500)).isEmpty();
        assertThat(w.now()).isEqualTo(1_000);
        assertThat(advance(w, 2_000)).hasSize(1);
    }

    @Test
    void keepsTimersAcrossGrowth() {
        TimerWheel w = new TimerWheel(1, 0);
        w.schedule(0, 100);
        w.grow(64);
        w.schedule(63, 50);
        assertThat(advance(w, 100)).extracting(Fired::slot).containsExactly(63, 0);
    }

    /**
     * Compares the wheel with a TreeMap model over random schedules, cancels and advances with
     * awkward clock values: zero, values near the top of the range, deadlines on bucket edges of
     * every level, equal deadlines, past deadlines and jumps of days.
     */
    @Test
    void agreesWithSortedMapModelOnRandomSchedules() {
        long[] starts = {0L, 1L << 40, Long.MAX_VALUE / 4, (1L << 46) - 1, 1_700_000_000_000_000_000L};
        for (long start : starts) {
            for (int seed = 0; seed < 20; seed++) {
                runModel(start, new SplittableRandom(seed * 31L + start));
            }
        }
    }

    /**
     * The same model check with time creeping forward by microseconds, as packets move it, through
     * buckets crowded with timers: most advances stay in one level-0 bucket, where the wheel skips
     * or scans in place instead of draining, and some timers sit a full turn of level 0 ahead.
     */
    @Test
    void agreesWithSortedMapModelWhenTimeCreepsThroughCrowdedBuckets() {
        for (int seed = 0; seed < 20; seed++) {
            SplittableRandom rnd = new SplittableRandom(seed);
            runModel(1_700_000_000_000_000_000L + rnd.nextLong(1L << 28), rnd, 512, 20_000, r -> {
                switch (r.nextInt(6)) {
                    case 0:
                        return r.nextLong(3_000_000L); // the next few ticks: many timers per bucket
                    case 1:
                        return (1L << 28) - r.nextLong(2_000_000L); // nearly a full turn of level 0 ahead
                    case 2:
                        return -r.nextLong(1_000L);
                    default:
                        return r.nextLong(1L, 200_000L); // packets microseconds apart
                }
            });
        }
    }

    private static void runModel(long start, SplittableRandom rnd) {
        runModel(start, rnd, 64, 3_000, TimerWheelTest::awkwardDelta);
    }

    private static void runModel(long start, SplittableRandom rnd, int slots, int steps,
                                 ToLongFunction<SplittableRandom> delta) {
        TimerWheel w = new TimerWheel(slots, start);
        Map<Integer, Long> model = new TreeMap<>();
        long now = start;
        for (int step = 0; step < steps; step++) {
            int op = rnd.nextInt(10);
            if (op < 5) {
                int slot = rnd.nextInt(slots);
                long at = now + delta.applyAsLong(rnd);
                w.schedule(slot, at);
                model.put(slot, at);
            } else if (op < 6) {
                int slot = rnd.nextInt(slots);
                w.cancel(slot);
                model.remove(slot);
            } else {
                long to = now + delta.applyAsLong(rnd);
                if (to <= now) {
                    continue;
                }
                List<Fired> fired = advance(w, to);
                TreeSet<long[]> expected = new TreeSet<>((x, y) -> x[1] != y[1] ? Long.compare(x[1], y[1])
                        : Long.compare(x[0], y[0]));
                for (Map.Entry<Integer, Long> e : model.entrySet()) {
                    if (e.getValue() <= to) {
                        expected.add(new long[] {e.getKey(), e.getValue()});
                    }
                }
                List<Fired> want = new ArrayList<>();
                for (long[] x : expected) {
                    want.add(new Fired((int) x[0], x[1], to));
                    model.remove((int) x[0]);
                }
                assertThat(fired).as("advance from %d to %d", now, to).isEqualTo(want);
                now = to;
            }
            assertThat(w.size()).isEqualTo(model.size());
        }
    }

    private static long awkwardDelta(SplittableRandom rnd) {
        switch (rnd.nextInt(8)) {
            case 0:
                return 0;
            case 1:
                return -rnd.nextLong(1_000_000_000L);
            case 2: {
                int shift = new int[] {20, 28, 34, 40, 46}[rnd.nextInt(5)];
                return (1L << shift) + rnd.nextInt(3) - 1;
            }
            case 3:
                return rnd.nextLong(1L << 20);
            case 4:
                return rnd.nextLong(10_000_000_000L);
            case 5:
                return rnd.nextLong(3L * 86_400_000_000_000L);
            case 6:
                return rnd.nextLong(1L << 53);
            default:
                return rnd.nextLong(300_000_000_000L);
        }
    }
}
