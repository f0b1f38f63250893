package io.flowkit.core.internal.engine;

import it.unimi.dsi.fastutil.ints.Int2ObjectOpenHashMap;
import java.util.ArrayDeque;

/**
 * TCP data seen above a hole, per endpoint: the byte ranges a Zeek reassembler holds beyond the
 * next expected byte, kept as sorted, disjoint, non-adjacent {@code [lo, hi)} intervals of
 * relative sequence numbers.
 *
 * <p><b>Why.</b> Zeek reports a content gap for each hole an acknowledgement passes (history
 * {@code G}/{@code g}, {@code missed_bytes}); to count holes and missing bytes as it does, the
 * engine must know which ranges arrived above the first hole. Only endpoints with a hole open
 * have an entry, so the common connection pays one flag bit.
 *
 * <p><b>Bounds.</b> At most {@value #MAX_INTERVALS} intervals per endpoint: hostile traffic that
 * opens more holes gets its two closest intervals merged (the hole between them then counts as
 * received). Interval arrays are pooled and reused, so opening and closing holes allocates
 * nothing once the pool is warm.
 */
final class AboveHole {
    static final int MAX_INTERVALS = 32;

    /** One endpoint's intervals: {@code lo[i], hi[i]} for {@code i < n}. */
    static final class Ranges {
        final long[] lo = new long[MAX_INTERVALS];
        final long[] hi = new long[MAX_INTERVALS];
        int n;
    }

    private final Int2ObjectOpenHashMap<Ranges> byEndpoint = new Int2ObjectOpenHashMap<>();
    private final ArrayDeque<Ranges> pool = new ArrayDeque<>();

    /** @return the endpoint's ranges, or null when it has none */
    Ranges get(int e) {
        // most of the time no endpoint has a hole open: skip the hash lookup
        return byEndpoint.isEmpty() ? null : byEndpoint.get(e);
    }

    /** Adds {@code [lo, hi)} to an endpoint, merging with what overlaps or touches it. */
    void add(int e, long lo, long hi) {
        Ranges r = byEndpoint.get(e);
        if (r == null) {
            r = pool.isEmpty() ? new Ranges() : pool.pop();
            r.n = 0;
            byEndpoint.put(e, r);
        }
        int i = 0;
        while (i < r.n && r.hi[i] < lo) {
            i++;
        }
        int j = i;
        while (j < r.n && r.lo[j] <= hi) {
            lo = Math.min(lo, r.lo[j]);
            hi = Math.max(hi, r.hi[j]);
            j++;
        }
        // replace intervals i..j-1 with the merged one
        int removed = j - i;
        if (removed == 0) {
            if (r.n == MAX_INTERVALS) {
                mergeClosest(r);
                add(e, lo, hi);
                return;
            }
            System.arraycopy(r.lo, i, r.lo, i + 1, r.n - i);
            System.arraycopy(r.hi, i, r.hi, i + 1, r.n - i);
            r.n++;
        } else if (removed > 1) {
            System.arraycopy(r.lo, j, r.lo, i + 1, r.n - j);
            System.arraycopy(r.hi, j, r.hi, i + 1, r.n - j);
            r.n -= removed - 1;
        }
        r.lo[i] = lo;
        r.hi[i] = hi;
    }

    private static void mergeClosest(Ranges r) {
        int best = 0;
        long bestGap = Long.MAX_VALUE;
        for (int i = 0; i + 1 < r.n; i++) {
            long g = r.lo[i + 1] - r.hi[i];
            if (g < bestGap) {
                bestGap = g;
                best = i;
            }
        }
        r.hi[best] = r.hi[best + 1];
        System.arraycopy(r.lo, best + 2, r.lo, best + 1, r.n - best - 2);
        System.arraycopy(r.hi, best + 2, r.hi, best + 1, r.n - best - 2);
        r.n--;
    }

    /** Removes the first interval of an endpoint (it was delivered). */
    void removeFirst(int e, Ranges r) {
        System.arraycopy(r.lo, 1, r.lo, 0, r.n - 1);
        System.arraycopy(r.hi, 1, r.hi, 0, r.n - 1);
        r.n--;
        if (r.n == 0) {
            clear(e);
        }
    }

    /** Drops an endpoint's intervals. */
    void clear(int e) {
        Ranges r = byEndpoint.remove(e);
        if (r != null) {
            pool.push(r);
        }
    }
}
