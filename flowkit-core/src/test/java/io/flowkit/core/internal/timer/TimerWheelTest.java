package io.flowkit.core.internal.timer;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.IdentityHashMap;
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

    /** The deadlines each test wheel's owner keeps, set through {@link #schedule} or by hand. */
    private static final Map<TimerWheel, long[]> DEADLINES = new IdentityHashMap<>();

    private static TimerWheel wheel(int slots, long start) {
        long[] d = new long[Math.max(slots, 1024)];
        TimerWheel w = new TimerWheel(slots, start, slot -> d[slot]);
        DEADLINES.put(w, d);
        return w;
    }

    private static void schedule(TimerWheel w, int slot, long at) {
        DEADLINES.get(w)[slot] = at;
        w.schedule(slot, at);
    }

    /** Moves a scheduled slot's deadline later without telling the wheel, as the engine does. */
    private static void postpone(TimerWheel w, int slot, long at) {
        DEADLINES.get(w)[slot] = at;
    }

    private static List<Fired> advance(TimerWheel w, long to) {
        List<Fired> out = new ArrayList<>();
        w.advance(to, (slot, deadline, now) -> out.add(new Fired(slot, deadline, now)));
        return out;
    }

    @Test
    void clearCancelsEveryTimerAndTheWheelSchedulesAgain() {
        TimerWheel w = wheel(8, 0);
        for (int slot = 0; slot < 8; slot++) {
            schedule(w, slot, 1_000L << (4 * slot)); // from the first level to the coarsest
        }
        w.clear();
        for (int slot = 0; slot < 8; slot++) {
            assertThat(w.isScheduled(slot)).isFalse();
        }
        assertThat(advance(w, 1L << 40)).isEmpty();
        schedule(w, 5, (1L << 40) + 2_000_000);
        schedule(w, 2, (1L << 40) + 1_000_000);
        assertThat(advance(w, (1L << 40) + 3_000_000)).extracting(Fired::slot).containsExactly(2, 5);
    }

    @Test
    void firesAtFirstAdvanceAtOrPastDeadlineNeverBefore() {
        TimerWheel w = wheel(4, 1_000);
        schedule(w, 0, 5_000);
        assertThat(advance(w, 4_999)).isEmpty();
        assertThat(advance(w, 5_000)).containsExactly(new Fired(0, 5_000, 5_000));
        assertThat(w.isScheduled(0)).isFalse();
        assertThat(w.size()).isZero();
    }

    @Test
    void firesTimerInCurrentMillisecondOnSecondAdvanceWithinSameTick() {
        TimerWheel w = wheel(2, 0);
        schedule(w, 1, 600);
        assertThat(advance(w, 500)).isEmpty();
        assertThat(advance(w, 700)).extracting(Fired::slot).containsExactly(1);
    }

    @Test
    void firesPastDeadlineAtNextAdvance() {
        TimerWheel w = wheel(2, 10_000_000_000L);
        schedule(w, 0, 5);
        assertThat(advance(w, 10_000_000_001L)).extracting(Fired::slot).containsExactly(0);
    }

    @Test
    void firesDueTimersInDeadlineOrderAcrossLevels() {
        TimerWheel w = wheel(8, 0);
        long hour = 3_600_000_000_000L;
        schedule(w, 0, 3 * hour);
        schedule(w, 1, 5);
        schedule(w, 2, hour);
        schedule(w, 3, 200_000_000_000L);
        schedule(w, 4, 5);
        assertThat(advance(w, 4 * hour)).extracting(Fired::slot).containsExactly(1, 4, 3, 2, 0);
    }

    @Test
    void cancelThenRescheduleFiresOnlyAtNewDeadline() {
        TimerWheel w = wheel(2, 0);
        schedule(w, 0, 1_000_000_000L);
        w.cancel(0);
        assertThat(w.isScheduled(0)).isFalse();
        schedule(w, 0, 3_000_000_000L);
        assertThat(advance(w, 2_000_000_000L)).isEmpty();
        assertThat(advance(w, 3_000_000_000L)).extracting(Fired::deadline).containsExactly(3_000_000_000L);
    }

    @Test
    void expiryMayRescheduleItsOwnSlotAndCancelAnotherDueSlot() {
        TimerWheel w = wheel(2, 0);
        schedule(w, 0, 10);
        schedule(w, 1, 20);
        List<Integer> fired = new ArrayList<>();
        w.advance(100, (slot, deadline, now) -> {
            fired.add(slot);
            if (slot == 0) {
                w.cancel(1);
                schedule(w, 0, now + 50);
            }
        });
        assertThat(fired).containsExactly(0);
        assertThat(w.isScheduled(0)).isTrue();
        assertThat(advance(w, 150)).extracting(Fired::slot).containsExactly(0);
    }

    @Test
    void ignoresTimeGoingBackwards() {
        TimerWheel w = wheel(1, 1_000);
        schedule(w, 0, 2_000);
        assertThat(advance(w, 500)).isEmpty();
        assertThat(w.now()).isEqualTo(1_000);
        assertThat(advance(w, 2_000)).hasSize(1);
    }

    @Test
    void keepsTimersAcrossGrowth() {
        TimerWheel w = wheel(1, 0);
        schedule(w, 0, 100);
        w.grow(64);
        schedule(w, 63, 50);
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
        TimerWheel w = wheel(slots, start);
        Map<Integer, Long> model = new TreeMap<>();
        long now = start;
        for (int step = 0; step < steps; step++) {
            int op = rnd.nextInt(10);
            if (op < 5) {
                int slot = rnd.nextInt(slots);
                long at = now + delta.applyAsLong(rnd);
                schedule(w, slot, at);
                model.put(slot, at);
            } else if (op < 6) {
                int slot = rnd.nextInt(slots);
                w.cancel(slot);
                model.remove(slot);
            } else if (op < 7) {
                // the owner's deadline moves later, the wheel is not told
                int slot = rnd.nextInt(slots);
                Long at = model.get(slot);
                if (at != null) {
                    long later = Math.max(at, now) + Math.abs(delta.applyAsLong(rnd));
                    postpone(w, slot, later);
                    model.put(slot, later);
                }
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
            checkEarliest(w, model, now);
        }
    }

    /**
     * {@link TimerWheel#earliest()} names a scheduled slot whose deadline is at most one width of
     * the bucket it belongs in after the earliest deadline of all (deadlines already past count
     * as now).
     */
    private static void checkEarliest(TimerWheel w, Map<Integer, Long> model, long now) {
        int x = w.earliest();
        if (model.isEmpty()) {
            assertThat(x).isEqualTo(-1);
            return;
        }
        assertThat(model).containsKey(x);
        long dx = model.get(x);
        long min = model.values().stream().mapToLong(Long::longValue).min().getAsLong();
        // a deadline already past is due at the next advance, like one due now
        long t = Math.max(dx, now);
        if (t - now < 32L << 46) { // below the top level's turn (52 days), where buckets hold one turn
            assertThat(t - Math.max(min, now)).as("earliest %d at %d, minimum %d, now %d", x, dx, min, now)
                    .isLessThan(widthAt(t, now));
        }
    }

    /** The width of the buckets of the level a timer due at {@code t} goes to at time {@code now}. */
    private static long widthAt(long t, long now) {
        int[] shift = {20, 28, 34, 40, 46};
        int[] buckets = {256, 64, 64, 64, 64};
        for (int l = 0; l < 4; l++) {
            if ((t >>> shift[l]) - (now >>> shift[l]) < buckets[l]) {
                return 1L << shift[l];
            }
        }
        return 1L << 46;
    }

    @Test
    void earliestWalksTheTimersInDeadlineOrderToWithinTheirBucket() {
        long start = 1_700_000_000_000_000_000L;
        TimerWheel w = wheel(4096, start);
        SplittableRandom rnd = new SplittableRandom(7);
        Map<Integer, Long> model = new TreeMap<>();
        for (int slot = 0; slot < 4096; slot++) {
            // a quarter each within 268 ms, 17 s, 18 min and 19.5 h: every level
            long at = start + rnd.nextLong(1L << (28 + 6 * (slot & 3)));
            schedule(w, slot, at);
            model.put(slot, at);
        }
        long last = start;
        int exactOnLevelZero = 0;
        while (!model.isEmpty()) {
            checkEarliest(w, model, start);
            int x = w.earliest();
            long dx = model.remove(x);
            if (widthAt(dx, start) == 1L << 20) {
                // level 0 is walked bucket by bucket: 1 ms buckets, so never more than 1 ms back
                assertThat(dx).isGreaterThan(last - (1L << 20));
                exactOnLevelZero++;
                last = Math.max(last, dx);
            }
            w.cancel(x);
        }
        assertThat(exactOnLevelZero).isGreaterThan(900); // the first quarter, but for a few past the turn
        assertThat(w.earliest()).isEqualTo(-1);
    }

    @Test
    void earliestPassesOverATimerWhoseDeadlineMovedLaterAndItStillFiresOnTime() {
        TimerWheel w = wheel(4, 0);
        schedule(w, 0, 1_000_000);
        schedule(w, 1, 5_000_000);
        schedule(w, 2, 9_000_000);
        postpone(w, 0, 7_000_000);
        assertThat(w.earliest()).isEqualTo(1);
        w.cancel(1);
        assertThat(w.earliest()).isEqualTo(0);
        assertThat(advance(w, 6_999_999)).isEmpty();
        assertThat(advance(w, 7_000_000)).containsExactly(new Fired(0, 7_000_000, 7_000_000));
        assertThat(w.earliest()).isEqualTo(2);
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
