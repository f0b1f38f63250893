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
 * (0.27 s, 17 s, 18 min, 19.5 h). A timer goes to the finest level where its tick is less than a
 * full turn ahead of now's; when time reaches a coarse bucket its timers cascade to finer levels. The
 * buckets are circular doubly linked lists threaded through one {@code long} array (a node's two
 * links in one word), with one sentinel node per bucket placed before the slot nodes, so schedule
 * and cancel are O(1) and no object exists per timer.
 *
 * <p><b>Deadlines belong to the owner.</b> The wheel stores no deadline: it asks its
 * {@link Deadlines} for a slot's deadline whenever it needs one (to place a timer when a coarse
 * bucket cascades, to decide whether a timer in a level-0 bucket is due, to order the due timers).
 * The owner's deadline may move <em>later</em> at any time without telling the wheel (the timer
 * then sits in a bucket that comes up too early; the wheel files it again when it gets there, so
 * it still fires at its true deadline); a deadline that moves <em>earlier</em> must be
 * {@link #schedule scheduled} again. The connection engine keeps a connection's deadlines in the
 * connection's own row, so a deadline kept here too would only cost eight bytes per connection.
 *
 * <p><b>Invariant.</b> A pending timer sits in a bucket that {@link #advance} visits no later than
 * the first advance to a time at or past its deadline (the deadline it was filed by, which is at
 * or before its owner's deadline now). Advancing always re-checks the level-0
 * bucket of the current millisecond (unless its bound below shows that nothing in it is due
 * yet), so a timer fires at the first advance with
 * {@code now >= deadline}, never earlier and never later: Zeek's rule that timers due before a
 * packet fire before it. Timers that come due in one advance fire in deadline order (ties by
 * slot), as from Zeek's priority queue.
 *
 * <p><b>Advancing by little.</b> A capture moves time forward at every packet, by microseconds,
 * so most advances stay inside one level-0 bucket. Each level-0 bucket keeps a lower bound of
 * its timers' deadlines ({@code low}: lowered when a timer is linked, recomputed when the bucket
 * is scanned, left alone when one is cancelled or its deadline moves later, so it may be too low
 * but never too high). An advance skips a level-0 bucket whose bound is past the new time, and
 * scans one in place otherwise, unlinking the timers that are due and moving only those whose
 * deadline has moved past the bucket; the others stay where they are. Coarser buckets are drained
 * whole, because their timers must cascade when time enters their span. An advance that comes
 * due for nothing thus costs a comparison or two, not a walk of the bucket.
 *
 * <p><b>Earliest timer.</b> {@link #earliest()} finds a timer in the earliest occupied bucket
 * through one occupancy bit per bucket (17 words in all), for evicting the connection that is
 * due soonest when a table is at its bound. Its deadline is at most one bucket width (1 ms within
 * 268 ms of now, 268 ms within 17 s, 17 s within 18 min, 18 min within 19.5 h, 19.5 h beyond) after
 * the earliest deadline of all, a deadline already past counting as now.
 *
 * <p><b>Cost.</b> O(1) schedule and cancel; advance costs O(buckets passed + timers visited),
 * each timer cascading at most once per level (and once more per level each time its deadline
 * has moved later), and a level-0 bucket is walked only when its earliest timer may be due.
 * Memory: 8 bytes per slot (two links) plus 1,088 bucket sentinels, 256 bounds and 17 occupancy
 * words.
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

    /** Tells the wheel a slot's deadline; the wheel's owner keeps the deadlines. */
    @FunctionalInterface
    public interface Deadlines {
        /**
         * Returns a scheduled slot's deadline: at or after the time it was last
         * {@link #schedule scheduled} for (it may have moved later since, never earlier).
         *
         * @param slot a scheduled slot
         * @return the deadline in nanoseconds
         */
        long deadline(int slot);
    }

    /** Receives timers as they fire. */
    @FunctionalInterface
    public interface Expiry {
        /**
         * Called once per fired timer; the slot is no longer scheduled and may be scheduled again.
         *
         * @param slot     the timer's slot
         * @param deadline its deadline, as {@link Deadlines} tells it
         * @param now      the time being advanced to
         */
        void expired(int slot, long deadline, long now);
    }

    /**
     * One word per node (bucket sentinels first, then one node per slot): the links, next in the
     * low and previous in the high half.
     */
    private long[] nodes;
    private final Deadlines deadlines;
    /** One bit per bucket (sentinel), set while the bucket holds a timer. */
    private final long[] occupied = new long[(SENTINELS + 63) >>> 6];
    private int capacity;
    /** Per level-0 bucket, at most the earliest deadline linked into it ({@link Long#MAX_VALUE}: none). */
    private final long[] low = new long[BUCKETS[0]];
    private long now;
    private int count;
    private int[] due = new int[64];
    private int dueCount;
    private final IntComparator byDeadline;

    /**
     * Creates an empty wheel.
     *
     * @param capacity   slots to start with
     * @param startNanos the initial time
     * @param deadlines  tells the scheduled slots' deadlines
     */
    public TimerWheel(int capacity, long startNanos, Deadlines deadlines) {
        nodes = new long[SENTINELS + capacity];
        this.capacity = capacity;
        this.deadlines = deadlines;
        this.byDeadline = (x, y) -> {
            int c = Long.compare(deadlines.deadline(x), deadlines.deadline(y));
            return c != 0 ? c : Integer.compare(x, y);
        };
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
        nodes = Arrays.copyOf(nodes, SENTINELS + capacity);
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
        Arrays.fill(occupied, 0);
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
     * Schedules (or moves) a slot's timer. A deadline at or before now fires at the next advance.
     *
     * @param slot the slot
     * @param at   the deadline in nanoseconds: what {@link Deadlines} tells for the slot from now
     *             on, or earlier
     */
    public void schedule(int slot, long at) {
        int node = SENTINELS + slot;
        if (next(node) >= 0) {
            unlink(node);
        } else {
            count++;
        }
        link(node, bucketFor(at), at);
    }

    /**
     * Finds a timer in the earliest occupied bucket: its deadline is at most one bucket width
     * after the earliest deadline of all (see the class comment). Timers found to have moved past
     * their bucket on the way are filed again. Fires nothing and changes no deadline.
     *
     * @return a scheduled slot, or -1 when none is scheduled
     */
    public int earliest() {
        while (count > 0) {
            int best = -1;
            long bestStart = Long.MAX_VALUE;
            for (int l = 0; l < LEVELS; l++) {
                long cur = now >>> SHIFT[l];
                // level 0 keeps timers of the current tick; coarser levels drained the current tick
                long first = l == 0 ? cur : cur + 1;
                int k = firstOccupied(l, (int) (first & (BUCKETS[l] - 1)));
                if (k < 0) {
                    continue;
                }
                long start = (first + k) << SHIFT[l];
                if (start < bestStart) {
                    bestStart = start;
                    best = LEVEL_BASE[l] + (int) ((first + k) & (BUCKETS[l] - 1));
                }
            }
            if (best < 0) {
                return -1; // only timers already due and not yet fired
            }
            int node = next(best);
            int slot = node - SENTINELS;
            long d = deadlines.deadline(slot);
            int bucket = bucketFor(d);
            if (bucket == best) {
                return slot;
            }
            unlink(node);
            link(node, bucket, d);
        }
        return -1;
    }

    /**
     * Returns the offset, from bucket {@code from} of level {@code l} onwards (circularly), of the
     * first occupied bucket of the level, or -1.
     */
    private int firstOccupied(int l, int from) {
        int n = BUCKETS[l];
        int base = LEVEL_BASE[l];
        for (int k = 0; k < n; ) {
            int b = base + ((from + k) & (n - 1));
            long word = occupied[b >>> 6] >>> (b & 63);
            // bits of this word that still belong to the level, before it wraps
            int run = Math.min(64 - (b & 63), Math.min(n - k, base + n - b));
            if (run < 64) {
                word &= (1L << run) - 1;
            }
            if (word != 0) {
                return k + Long.numberOfTrailingZeros(word);
            }
            k += run;
        }
        return -1;
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

    /**
     * The bucket of a deadline: on the finest level where it is less than a full turn of ticks
     * ahead, so that no bucket below the top level holds two turns (and a coarse level never the
     * tick that time is in, which it drained on entering).
     */
    private int bucketFor(long at) {
        long t = Math.max(at, now);
        for (int l = 0; l < LEVELS - 1; l++) {
            if ((t >>> SHIFT[l]) - (now >>> SHIFT[l]) < BUCKETS[l]) {
                return LEVEL_BASE[l] + (int) ((t >>> SHIFT[l]) & (BUCKETS[l] - 1));
            }
        }
        int l = LEVELS - 1;
        return LEVEL_BASE[l] + (int) ((t >>> SHIFT[l]) & (BUCKETS[l] - 1));
    }

    private void link(int node, int sentinel, long at) {
        if (sentinel < BUCKETS[0]) {
            low[sentinel] = Math.min(low[sentinel], at);
        }
        int last = prev(sentinel);
        next(last, node);
        links(node, sentinel, last);
        prev(sentinel, node);
        occupied[sentinel >>> 6] |= 1L << sentinel;
    }

    private void unlink(int node) {
        long l = nodes[node];
        int p = (int) (l >> 32);
        int n = (int) l;
        next(p, n);
        prev(n, p);
        if (p == n && p < SENTINELS) {
            occupied[p >>> 6] &= ~(1L << p); // the bucket is empty now
        }
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
            expiry.expired(slot, deadlines.deadline(slot), to);
        }
        dueCount = 0;
        return fired;
    }

    /**
     * Moves the due timers of one level-0 bucket to the due list and the timers whose deadline
     * has moved past the bucket to their bucket, leaves the others where they are, and tightens
     * the bucket's bound.
     */
    private void scan(int sentinel, long to) {
        if (low[sentinel] > to) {
            return;
        }
        long earliest = Long.MAX_VALUE;
        int node = next(sentinel);
        while (node != sentinel) {
            int following = next(node);
            long d = deadlines.deadline(node - SENTINELS);
            if (d <= to) {
                unlink(node);
                due(node, node - SENTINELS);
            } else {
                int bucket = bucketFor(d);
                if (bucket != sentinel) {
                    unlink(node);
                    link(node, bucket, d);
                } else if (d < earliest) {
                    earliest = d;
                }
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
        occupied[sentinel >>> 6] &= ~(1L << sentinel);
        while (node != sentinel) {
            int following = next(node);
            int slot = node - SENTINELS;
            long at = deadlines.deadline(slot);
            if (at <= to) {
                due(node, slot);
            } else {
                link(node, bucketFor(at), at);
            }
            node = following;
        }
    }

    private int next(int node) {
        return (int) nodes[node];
    }

    private int prev(int node) {
        return (int) (nodes[node] >> 32);
    }

    private void next(int node, int n) {
        nodes[node] = (nodes[node] & ~LOW) | (n & LOW);
    }

    private void prev(int node, int p) {
        nodes[node] = (nodes[node] & LOW) | (long) p << 32;
    }

    private void links(int node, int n, int p) {
        nodes[node] = (long) p << 32 | (n & LOW);
    }
}
