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
 * per-entry objects, good locality); capacity starts small (2 for a source's own sets, 1 for a
 * group's child sets) and doubles up to {@code cap}. Every allocation is charged to the owning
 * source ({@link SourceState#bytes}), so the detector can bound its state in bytes.
 *
 * <p><b>Invariant.</b> Entries {@code 0..size-1} are live slots; keys are distinct; {@code size
 * <= cap}. Removal moves the last entry into the hole, so order is not insertion order.
 *
 * <p><b>Cost.</b> {@link #indexOf} is O(size); {@link #purgeNotAfter} is O(size) and is called by
 * the detectors only when a set is about to reach its bound. No method allocates except
 * {@link #add} when it grows.
 */
final class TargetSet {
    /** Heap of an empty set: the object (64 B) and its seven array headers (16 B each). */
    static final int SET_BYTES = 176;
    /** Heap per slot of the arrays. */
    static final int SLOT_BYTES = 44;
    /** Heap of a uid string a slot keeps alive (a 17-character uid: object, array, bytes). */
    static final int UID_BYTES = 64;

    final int cap;
    /** The source whose {@link SourceState#bytes} this set's arrays are charged to. */
    private final SourceState owner;
    /** Most entries holding a uid at once: only a sample of uids is reported. */
    private final int maxUids;
    /** Entries holding a uid. */
    private int uids;
    int size;
    long[] hi;
    long[] lo;
    long[] first;
    long[] last;
    int[] port;
    int[] count;
    Object[] ref;

    /**
     * Creates an empty set and charges it to its source.
     *
     * @param cap     most entries
     * @param initial slots to start with (at most {@code cap})
     * @param maxUids most entries that keep a uid (0 for a set of child sets)
     * @param owner   the source the set belongs to
     */
    TargetSet(int cap, int initial, int maxUids, SourceState owner) {
        this.cap = cap;
        this.owner = owner;
        this.maxUids = maxUids;
        initial = Math.min(initial, cap);
        owner.bytes += SET_BYTES + slotBytes(initial);
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

    private long slotBytes(int slots) {
        return (long) slots * SLOT_BYTES + (long) Math.min(slots, maxUids) * UID_BYTES;
    }

    /**
     * Appends a new key; the caller made sure it is absent and the set is not full. A uid
     * reference is kept only while fewer than {@code maxUids} entries hold one.
     */
    int add(long h, long l, long time, int p, Object r) {
        if (r instanceof String) {
            if (uids < maxUids) {
                uids++;
            } else {
                r = null;
            }
        }
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
        owner.bytes += slotBytes(n) - slotBytes(hi.length);
        hi = Arrays.copyOf(hi, n);
        lo = Arrays.copyOf(lo, n);
        first = Arrays.copyOf(first, n);
        last = Arrays.copyOf(last, n);
        port = Arrays.copyOf(port, n);
        count = Arrays.copyOf(count, n);
        ref = Arrays.copyOf(ref, n);
    }

    /**
     * Gives entry {@code i} the uid of its latest attempt, if it holds one already or fewer than
     * {@code maxUids} entries do.
     */
    void keepUid(int i, String uid) {
        if (uid == null) {
            return;
        }
        if (ref[i] == null) {
            if (uids >= maxUids) {
                return;
            }
            uids++;
        }
        ref[i] = uid;
    }

    /** Removes entry {@code i}; a child set it holds is dropped and uncharged. */
    void removeAt(int i) {
        if (ref[i] instanceof TargetSet) {
            owner.bytes -= ((TargetSet) ref[i]).bytes();
        } else if (ref[i] != null) {
            uids--;
        }
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

    /** Returns the heap this set's own arrays take (child sets not included). */
    long bytes() {
        return SET_BYTES + slotBytes(hi.length);
    }

    void clear() {
        Arrays.fill(ref, 0, size, null);
        size = 0;
        uids = 0;
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
