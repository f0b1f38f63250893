package io.flowkit.core.internal.scan;

import java.util.Arrays;

/**
 * A small exact set of targets (a host as 128 bits, or a port as {@code (0, port)}) with, per
 * entry, the first and last attempt time, an attempt count, a port and one reference (the uid
 * of the latest counted connection, or a child set when the set groups targets).
 *
 * <p><b>Idea.</b> A threshold detector only has to count distinct targets up to its threshold,
 * so its set never holds more than the threshold: when it reaches it the detector fires and
 * clears it. Sets that small are fastest as parallel arrays scanned linearly (no hashing, no
 * per-entry objects, good locality); capacity starts at {@code min(4, cap)} and doubles up to
 * {@code cap}, so a source seen once costs a few dozen bytes per set.
 *
 * <p><b>Invariant.</b> Entries {@code 0..size-1} are live slots; keys are distinct; {@code size
 * <= cap}. Removal moves the last entry into the hole, so order is not insertion order.
 *
 * <p><b>Cost.</b> {@link #indexOf} is O(size); {@link #purgeNotAfter} is O(size) and is called by
 * the detectors only when a set is about to reach its bound. No method allocates except
 * {@link #add} when it grows.
 */
final class TargetSet {
    final int cap;
    int size;
    long[] hi;
    long[] lo;
    long[] first;
    long[] last;
    int[] port;
    int[] count;
    Object[] ref;

    TargetSet(int cap) {
        this.cap = cap;
        int initial = Math.min(4, cap);
        hi = new long[initial];
        lo = new long[initial];
        first = new long[initial];
        last = new long[initial];
        port = new int[initial];
        count = new int[initial];
        ref = new Object[initial];
    }

    int indexOf(long h, long l) {
        long[] his = hi;
        long[] los = lo;
        for (int i = 0, n = size; i < n; i++) {
            if (los[i] == l && his[i] == h) {
                return i;
            }
        }
        return -1;
    }

    boolean isFull() {
        return size >= cap;
    }

    /** Appends a new key; the caller made sure it is absent and the set is not full. */
    int add(long h, long l, long time, int p, Object r) {
        int i = size;
        if (i == hi.length) {
            grow();
        }
        hi[i] = h;
        lo[i] = l;
        first[i] = time;
        last[i] = time;
        port[i] = p;
        count[i] = 1;
        ref[i] = r;
        size = i + 1;
        return i;
    }

    private void grow() {
        int n = Math.min(cap, hi.length * 2);
        hi = Arrays.copyOf(hi, n);
        lo = Arrays.copyOf(lo, n);
        first = Arrays.copyOf(first, n);
        last = Arrays.copyOf(last, n);
        port = Arrays.copyOf(port, n);
        count = Arrays.copyOf(count, n);
        ref = Arrays.copyOf(ref, n);
    }

    void removeAt(int i) {
        int end = size - 1;
        hi[i] = hi[end];
        lo[i] = lo[end];
        first[i] = first[end];
        last[i] = last[end];
        port[i] = port[end];
        count[i] = count[end];
        ref[i] = ref[end];
        ref[end] = null;
        size = end;
    }

    /** Removes the entries last attempted at or before {@code cutoff}; returns how many. */
    int purgeNotAfter(long cutoff) {
        int removed = 0;
        for (int i = size - 1; i >= 0; i--) {
            if (last[i] <= cutoff) {
                removeAt(i);
                removed++;
            }
        }
        return removed;
    }

    /** Returns the index of the entry attempted longest ago; the set must not be empty. */
    int stalest() {
        int best = 0;
        for (int i = 1; i < size; i++) {
            if (last[i] < last[best]) {
                best = i;
            }
        }
        return best;
    }

    void clear() {
        Arrays.fill(ref, 0, size, null);
        size = 0;
    }

    /** Returns the earliest first-attempt time, or {@code Long.MAX_VALUE} when empty. */
    long minFirst() {
        long m = Long.MAX_VALUE;
        for (int i = 0; i < size; i++) {
            m = Math.min(m, first[i]);
        }
        return m;
    }

    /** Returns the latest attempt time, or {@code Long.MIN_VALUE} when empty. */
    long maxLast() {
        long m = Long.MIN_VALUE;
        for (int i = 0; i < size; i++) {
            m = Math.max(m, last[i]);
        }
        return m;
    }
}
