package io.flowkit.core.internal.decode;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The Internet checksum (RFC 1071) over bytes of a {@link ByteBuffer}, read with absolute
 * indexes.
 *
 * <p><b>Idea.</b> The one's complement sum of 16-bit big-endian words does not depend on how the
 * words are grouped: 2<sup>16</sup> is 1 modulo 2<sup>16</sup>&minus;1, so 64-bit words can be
 * summed as two 32-bit halves into 64-bit accumulators and the carries folded back at the end.
 * Nor does it depend on byte order up to a final swap (RFC 1071, section 2(B)): swapping the
 * bytes of every word multiplies the sum by 2<sup>8</sup> modulo 2<sup>16</sup>&minus;1, which
 * is the swap of the folded result. So words are read in the buffer's own order, and a sum over
 * a little-endian buffer is swapped once at the end instead of once per word.
 *
 * <p><b>Two sums for three.</b> For each 64-bit word {@code v} = {@code hi}&middot;2<sup>32</sup>
 * + {@code lo}, the loop adds {@code v} to {@code all} (wrapping modulo 2<sup>64</sup>) and
 * {@code hi} to {@code high}: the sum of the low halves is then {@code all - (high << 32)}
 * modulo 2<sup>64</sup>, and exact because it is below 2<sup>64</sup>. Two words per step, so
 * the loads of one step do not wait on the adds of the previous.
 *
 * <p><b>Invariant.</b> {@link #sum} returns exactly what folding the big-endian sum returns,
 * including the two representations of zero: 0 only when every byte is 0, otherwise 1 to
 * {@code 0xFFFF}; a segment whose checksum field is right sums (with its pseudo-header) to
 * {@code 0xFFFF}. No sum can overflow: an IP datagram has at most 2<sup>13</sup> words of 64
 * bits, and each half is below 2<sup>32</sup>.
 *
 * <p><b>Cost.</b> One bounds-checked 64-bit read, a shift and two adds per 8 bytes, no
 * allocation: about 0.1 ns per byte on data in the cache, heap or direct buffer alike. Measured
 * and not taken: little-endian reads through a {@code VarHandle} (15 to 25% faster alone, but
 * slower inside the decoder, whose inlined code they inflate, and in some runs 3.5 times
 * slower), four sums per step, and an add-with-carry over whole 64-bit words. On a
 * capture file the first touch of a segment's bytes happens here, so in a profile of
 * {@code flowkit analyze} this method also carries the cost of reading the file from memory.
 */
final class Checksum {
    private Checksum() {
    }

    /**
     * Returns the one's complement sum of the bytes {@code [from, to)} as big-endian 16-bit words,
     * folded to 16 bits; an odd last byte is padded with a zero byte. The words start at
     * {@code from}, whatever its alignment; the buffer's byte order, position and limit play no
     * part.
     *
     * @param b    the buffer
     * @param from first index
     * @param to   end index (exclusive), at least {@code from}
     * @return the folded sum: 0 if every byte is 0 (or the range is empty), else 1 to {@code 0xFFFF}
     */
    static int sum(ByteBuffer b, int from, int to) {
        long all = 0;
        long high = 0;
        int i = from;
        for (int end = to - 15; i < end; i += 16) {
            long v = b.getLong(i);
            long w = b.getLong(i + 8);
            all += v + w;
            high += (v >>> 32) + (w >>> 32);
        }
        if (to - i >= 8) {
            long v = b.getLong(i);
            all += v;
            high += v >>> 32;
            i += 8;
        }
        long sum = high + (all - (high << 32));
        if (to - i >= 4) {
            sum += b.getInt(i) & 0xFFFF_FFFFL;
            i += 4;
        }
        if (to - i >= 2) {
            sum += b.getShort(i) & 0xFFFF;
            i += 2;
        }
        boolean bigEndian = b.order() == ByteOrder.BIG_ENDIAN;
        if (i < to) {
            // an odd last byte is the first byte of a word whose second byte is 0
            int last = b.get(i) & 0xFF;
            sum += bigEndian ? last << 8 : last;
        }
        int folded = fold(sum);
        return bigEndian ? folded : ((folded & 0xFF) << 8) | (folded >>> 8);
    }

    /**
     * Adds a 128-bit address (two longs) to a running sum.
     *
     * @param hi  high 64 bits
     * @param lo  low 64 bits
     * @param sum the running sum
     * @return the new running sum
     */
    static long addAddress(long hi, long lo, long sum) {
        return sum + (hi >>> 32) + (hi & 0xFFFF_FFFFL) + (lo >>> 32) + (lo & 0xFFFF_FFFFL);
    }

    /**
     * Folds a running sum to 16 bits with end-around carry.
     *
     * @param sum the running sum, not negative
     * @return the one's complement sum: 0 only if {@code sum} is 0, {@code 0xFFFF} for a correct checksum
     */
    static int fold(long sum) {
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xFFFF) + (sum >>> 16);
        }
        return (int) sum;
    }
}
