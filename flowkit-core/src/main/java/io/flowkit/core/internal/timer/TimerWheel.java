package io.flowkit.core.internal.timer;

import it.unimi.dsi.fastutil.ints.IntArrays;
import it.unimi.dsi.fastutil.ints.IntComparator;
import java.util.Arrays;

/**
 * A hierarchical timer wheel over network time with one timer per table slot.
 *
 * <p><b>Caveats first.</b> Not thread-safe. A slot has at most one pending timer: scheduling it
 * again moves it. Time only moves forward; {@link #advance} with an earlier time does nothing.
 * Timer ids are the connection table's slot numbers, so the wheel must be grown with the table
 * ({@link #grow(int)}).
 *
 * <p><b>Idea.</b> Varghese and Lauck's hierarchical timing wheels (SOSP 1987), as Caffeine's
 * {@code TimerWheel} and Agrona's {@code DeadlineTimerWheel} use them: level 0 has 256 buckets
 * of 2^20 ns (about 1 ms), levels 1 to 4 have 64 buckets each of 2^28, 2^34, 2^40 and 2^46 ns
 * (0.27 s, 17 s, 18 min, 19.5 h). A timer goes to the finest level whose whole span covers its
 * distance from now; when time reaches a coarse bucket its timers cascade to finer levels. The
 * buckets are circular doubly linked lists threaded through one {@code long} array (a node's two
 * links and its deadline side by side), with one sentinel node per bucket placed before the slot
 * nodes, so schedule and cancel are O(1) and no object exists per timer.
 *
 * <p><b>Invariant.</b> A pending timer sits in a bucket that {@link #advance} visits no later than
 * the first advance to a time at or past its deadline. Advancing always re-checks the level-0
 * bucket of the current millisecond (unless its bound below shows that nothing in it is due
 * yet), so a timer fires at the first advance with
 * {@code now >= deadline}, never earlier and never later: Zeek's rule that timers due before a
 * packet fire before it. Timers that come due in one advance fire in deadline order (ties by
 * slot), as from Zeek's priority queue.
 *
 * <p><b>Advancing by little.</b> A capture moves time forward at every packet, by microseconds,
 * so most advances stay inside one level-0 bucket. Each level-0 bucket keeps a lower bound of
 * its timers' deadlines ({@code low}: lowered when a timer is linked, recomputed when the bucket
 * is scanned, left alone when one is cancelled, so it may be too low but never too high). An
 * advance skips a level-0 bucket whose bound is past the new time, and scans one in place
 * otherwise, unlinking only the timers that are due: a level-0 timer that is not due belongs to
 * the bucket it is in (its tick, or the same tick a full turn later), so it never moves. Coarser
 * buckets are drained whole, because their timers must cascade when time enters their span. An
 * advance that comes due for nothing thus costs a comparison or two, not a walk of the bucket.
 *
 * <p><b>Cost.</b> O(1) schedule and cancel; advance costs O(buckets passed + timers visited),
 * each timer cascading at most once per level, and a level-0 bucket is walked only when its
 * earliest timer may be due. Memory: 16 bytes per slot (deadline and two links) plus 1,088
 * bucket sentinels and 256 bounds.
 */
public final class TimerWheel {
    private static final int[] SHIFT = {20, 28, 34, 40, 46};
    private static final int[] BUCKETS = {256, 64, 64, 64, 64};
    private static final int LEVELS = SHIFT.length;
    private static final int SENTINELS;
    private static final int[] LEVEL_BASE = new int[LEVELS];
    private static final int UNSCHEDULED = -1;
    private static final int DUE = -2;
    private static final long LOW = 0xFFFF_FFFFL;

    static {
        int base = 0;
        for (int l = 0; l < LEVELS; l++) {
            LEVEL_BASE[l] = base;
            base += BUCKETS[l];
        }
        SENTINELS = base;
    }

    /** Receives timers as they fire. */
    @FunctionalInterface
    public interface Expiry {
        /**
         * Called once per fired timer; the slot is no longer scheduled and may be scheduled again.
         *
         * @param slot     the timer's slot
         * @param deadline the time it was scheduled for
         * @param now      the time being advanced to
         */
        void expired(int slot, long deadline, long now);
    }

    /**
     * Two words per node (bucket sentinels first, then one node per slot): the links, next in the
     * low and previous in the high half, then the slot's deadline. A timer's links and deadline
     * share a cache line, so moving it costs one miss, not three.
     */
    private long[] nodes;
    private int capacity;
    /** Per level-0 bucket, at most the earliest deadline linked into it ({@link Long#MAX_VALUE}: none). */
    private final long[] low = new long[BUCKETS[0]];
    private long now;
    private int count;
    private int[] due = new int[64];
    private int dueCount;
    private final IntComparator byDeadline = (x, y) -> {
        int c = Long.compare(deadlineOf(x), deadlineOf(y));
        return c != 0 ? c : Integer.compare(x, y);
    };

    /**
     * Creates an empty wheel.
     *
     * @param capacity slots to start with
     * @param startNanos the initial time
     */
    public TimerWheel(int capacity, long startNanos) {
        nodes = new long[2 * (SENTINELS + capacity)];
        this.capacity = capacity;
        clear();
        now = startNanos;
    }

    /**
     * Makes room for more slots.
     *
     * @param capacity the new slot count, at least the current one
     */
    public void grow(int capacity) {
        int old = this.capacity;
        if (capacity <= old) {
            return;
        }
        nodes = Arrays.copyOf(nodes, 2 * (SENTINELS + capacity));
        for (int n = SENTINELS + old; n < SENTINELS + capacity; n++) {
            links(n, UNSCHEDULED, UNSCHEDULED);
        }
        this.capacity = capacity;
    }

    /**
     * Cancels every timer at once (a sequential pass over the nodes instead of a random unlink
     * per timer); the time stays where it is.
     */
    public void clear() {
        for (int b = 0; b < SENTINELS; b++) {
            links(b, b, b);
        }
        for (int n = SENTINELS; n < SENTINELS + capacity; n++) {
            links(n, UNSCHEDULED, UNSCHEDULED);
        }
        Arrays.fill(low, Long.MAX_VALUE);
        count = 0;
        dueCount = 0;
    }

    /** @return the time of the last advance */
    public long now() {
        return now;
    }

    /** @return pending timers */
    public int size() {
        return count;
    }

    /**
     * Tells whether a slot has a pending timer.
     *
     * @param slot the slot
     * @return {@code true} if scheduled
     */
    public boolean isScheduled(int slot) {
        return next(SENTINELS + slot) >= 0;
    }

    /**
     * Returns a slot's deadline.
     *
     * @param slot a scheduled slot
     * @return its deadline in nanoseconds
     */
    public long deadline(int slot) {
        return deadlineOf(slot);
    }

    /**
     * Schedules (or moves) a slot's timer. A deadline at or before now fires at the next advance.
     *
     * @param slot the slot
     * @param at   the deadline in nanoseconds
     */
    public void schedule(int slot, long at) {
        int node = SENTINELS + slot;
        if (next(node) >= 0) {
            unlink(node);
        } else {
            count++;
        }
        nodes[2 * node + 1] = at;
        link(node, bucketFor(at));
    }

    /**
     * Cancels a slot's timer, if any.
     *
     * @param slot the slot
     */
    public void cancel(int slot) {
        int node = SENTINELS + slot;
        if (next(node) >= 0) {
            unlink(node);
            next(node, UNSCHEDULED);
            count--;
        } else if (next(node) == DUE) {
            next(node, UNSCHEDULED);
        }
    }

    private int bucketFor(long at) {
        long t = Math.max(at, now);
        long delta = t - now;
        for (int l = 0; l < LEVELS - 1; l++) {
            if (delta < (1L << SHIFT[l + 1])) {
                return LEVEL_BASE[l] + (int) ((t >>> SHIFT[l]) & (BUCKETS[l] - 1));
            }
        }
        int l = LEVELS - 1;
        return LEVEL_BASE[l] + (int) ((t >>> SHIFT[l]) & (BUCKETS[l] - 1));
    }

    private void link(int node, int sentinel) {
        if (sentinel < BUCKETS[0]) {
            low[sentinel] = Math.min(low[sentinel], nodes[2 * node + 1]);
        }
        int last = prev(sentinel);
        next(last, node);
        links(node, sentinel, last);
        prev(sentinel, node);
    }

    private void unlink(int node) {
        long l = nodes[2 * node];
        int p = (int) (l >> 32);
        int n = (int) l;
        next(p, n);
        prev(n, p);
    }

    /**
     * Advances time and fires, in deadline order, every timer due at or before {@code to}.
     *
     * @param to     the new time; ignored unless later than {@link #now()}
     * @param expiry receives the fired timers
     * @return the number of timers fired
     */
    public int advance(long to, Expiry expiry) {
        if (to <= now) {
            return 0;
        }
        long from = now;
        now = to;
        if ((from >>> SHIFT[0]) == (to >>> SHIFT[0]) && low[(int) ((to >>> SHIFT[0]) & (BUCKETS[0] - 1))] > to) {
            return 0; // within one tick, and nothing in its bucket is due yet
        }
        dueCount = 0;
        for (int l = 0; l < LEVELS; l++) {
            long prevTicks = from >>> SHIFT[l];
            long curTicks = to >>> SHIFT[l];
            long delta = curTicks - prevTicks;
            if (delta <= 0 && l > 0) {
                break;
            }
            int mask = BUCKETS[l] - 1;
            int steps = (int) Math.min(delta + 1, BUCKETS[l]);
            int start = (int) (prevTicks & mask);
            for (int i = 0; i < steps; i++) {
                if (l == 0) {
                    scan((start + i) & mask, to);
                } else {
                    drain(LEVEL_BASE[l] + ((start + i) & mask), to);
                }
            }
        }
        if (dueCount == 0) {
            return 0;
        }
        if (dueCount > 1) {
            IntArrays.quickSort(due, 0, dueCount, byDeadline);
        }
        int fired = 0;
        for (int i = 0; i < dueCount; i++) {
            int slot = due[i];
            int node = SENTINELS + slot;
            if (next(node) != DUE) {
                continue; // cancelled or rescheduled by an earlier expiry
            }
            next(node, UNSCHEDULED);
            fired++;
            expiry.expired(slot, deadlineOf(slot), to);
        }
        dueCount = 0;
        return fired;
    }

    /**
     * Moves the due timers of one level-0 bucket to the due list, leaving the others where they
     * are (their bucket cannot change, see the class comment), and tightens the bucket's bound.
     */
    private void scan(int sentinel, long to) {
        if (low[sentinel] > to) {
            return;
        }
        long earliest = Long.MAX_VALUE;
        int node = next(sentinel);
        while (node != sentinel) {
            int following = next(node);
            long d = nodes[2 * node + 1];
            if (d <= to) {
                unlink(node);
                due(node, node - SENTINELS);
            } else if (d < earliest) {
                earliest = d;
            }
            node = following;
        }
        low[sentinel] = earliest;
    }

    private void due(int node, int slot) {
        next(node, DUE);
        count--;
        if (dueCount == due.length) {
            due = Arrays.copyOf(due, dueCount * 2);
        }
        due[dueCount++] = slot;
    }

    /** Empties one bucket of a coarser level: due timers go to the due list, the rest cascade. */
    private void drain(int sentinel, long to) {
        int node = next(sentinel);
        if (node == sentinel) {
            return;
        }
        // detach the whole list first: re-placed timers may land in this very bucket
        links(sentinel, sentinel, sentinel);
        while (node != sentinel) {
            int following = next(node);
            int slot = node - SENTINELS;
            long at = nodes[2 * node + 1];
            if (at <= to) {
                due(node, slot);
            } else {
                link(node, bucketFor(at));
            }
            node = following;
        }
    }

    private long deadlineOf(int slot) {
        return nodes[2 * (SENTINELS + slot) + 1];
    }

    private int next(int node) {
        return (int) nodes[2 * node];
    }

    private int prev(int node) {
        return (int) (nodes[2 * node] >> 32);
    }

    private void next(int node, int n) {
        int i = 2 * node;
        nodes[i] = (nodes[i] & ~LOW) | (n & LOW);
    }

    private void prev(int node, int p) {
        int i = 2 * node;
        nodes[i] = (nodes[i] & LOW) | (long) p << 32;
    }

    private void links(int node, int n, int p) {
        nodes[2 * node] = (long) p << 32 | (n & LOW);
    }
}
