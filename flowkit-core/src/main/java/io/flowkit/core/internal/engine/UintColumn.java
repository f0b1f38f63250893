package io.flowkit.core.internal.engine;

import it.unimi.dsi.fastutil.ints.Int2LongOpenHashMap;
import java.util.Arrays;

/**
 * A column of {@code long} values stored in four bytes each while they fit, exact always.
 *
 * <p><b>Idea.</b> Byte counts and relative sequence numbers are 64-bit in general but below 2^32
 * for almost every connection. Each value is kept as an unsigned {@code int}; a value outside
 * {@code [0, 2^32)} moves, exactly, to a side map, and one bit per index says so. The bit is
 * cleared only by {@link #reset}, so a value that was once wide stays in the map until its
 * connection leaves.
 *
 * <p><b>Cost.</b> 4 bytes and 1 bit per index, plus about 30 bytes per wide value. A read is one
 * bit test and one array load; nothing is allocated except when a value first turns wide (the map
 * may grow then) or when the column grows.
 */
final class UintColumn {
    private int[] narrow = new int[0];
    private long[] wideBits = new long[0];
    private final Int2LongOpenHashMap wide = new Int2LongOpenHashMap();

    /** Makes room for indexes below {@code n}; new entries read 0. */
    void grow(int n) {
        if (n > narrow.length) {
            narrow = Arrays.copyOf(narrow, n);
            wideBits = Arrays.copyOf(wideBits, (n + 63) >>> 6);
        }
    }

    private boolean isWide(int i) {
        return (wideBits[i >>> 6] & (1L << i)) != 0;
    }

    long get(int i) {
        return isWide(i) ? wide.get(i) : narrow[i] & 0xFFFF_FFFFL;
    }

    void set(int i, long v) {
        if (isWide(i)) {
            wide.put(i, v);
        } else if ((v >>> 32) == 0) {
            narrow[i] = (int) v;
        } else {
            wideBits[i >>> 6] |= 1L << i;
            wide.put(i, v);
        }
    }

    void add(int i, long n) {
        if (isWide(i)) {
            wide.addTo(i, n);
        } else {
            set(i, (narrow[i] & 0xFFFF_FFFFL) + n);
        }
    }

    /** Sets an index to {@code v} and drops its wide value, if any: the index starts over. */
    void reset(int i, long v) {
        if (isWide(i)) {
            wideBits[i >>> 6] &= ~(1L << i);
            wide.remove(i);
        }
        set(i, v);
    }
}
