package io.flowkit.core.internal.log;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * One log line built directly as bytes: numbers, times and addresses are written digit by digit
 * into a reused array, and strings that need no escaping are copied as they are.
 *
 * <p><b>Why.</b> {@code conn.log} gets one line per connection, hundreds of thousands per capture.
 * Through a {@link StringBuilder} every number goes through the builder's capacity checks and
 * its Latin-1/UTF-16 branches, and the line is copied and encoded again on output; the compiled
 * code for one such line is tens of kilobytes, which the JIT spends a noticeable part of a short
 * run compiling. Here each value is a short loop over a byte array: numbers two digits per
 * division from a table of digit pairs (the digit count from a log2 estimate and one
 * comparison), the six decimals of a time as three pairs, an IPv4 octet in at most one
 * division, and a string copied in the same pass that checks whether it needs escaping.
 *
 * <p><b>Same text as {@link ZeekAscii}.</b> The formats are Zeek's, exactly as {@link ZeekAscii}
 * writes them (its tests compare both): {@link #seconds} is {@code %.6f} rounded half-up to the
 * microsecond, {@link #address} a dotted quad or RFC 5952 IPv6, {@link #zeekString} and
 * {@link #zeekSet} Zeek's escaping. Strings that need more than a copy go through
 * {@link ZeekAscii} itself and are encoded in UTF-8, so there is one implementation of
 * escaping. Not thread-safe.
 */
public final class AsciiLine {
    /** "00" to "99": numbers are written two digits per division. */
    private static final byte[] PAIRS = new byte[200];
    private static final long[] POW10 = new long[19];
    private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

    static {
        for (int i = 0; i < 100; i++) {
            PAIRS[2 * i] = (byte) ('0' + i / 10);
            PAIRS[2 * i + 1] = (byte) ('0' + i % 10);
        }
        long p = 1;
        for (int i = 0; i < POW10.length; i++) {
            POW10[i] = p;
            p *= 10;
        }
    }

    private byte[] bytes = new byte[512];
    private int length;
    private final StringBuilder scratch = new StringBuilder(64);

    /** @return the bytes of the line; valid up to {@link #length()} */
    byte[] bytes() {
        return bytes;
    }

    /** @return the number of bytes in the line */
    public int length() {
        return length;
    }

    /** Empties the line. */
    void clear() {
        length = 0;
    }

    private void room(int n) {
        if (bytes.length - length < n) {
            bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, length + n));
        }
    }

    /**
     * Appends one ASCII character.
     *
     * @param c a character below 0x80
     * @return this
     */
    public AsciiLine append(char c) {
        room(1);
        bytes[length++] = (byte) c;
        return this;
    }

    /**
     * Appends a string known to be ASCII (column constants, enum names).
     *
     * @param s characters below 0x80 only
     * @return this
     */
    public AsciiLine ascii(String s) {
        int n = s.length();
        room(n);
        for (int i = 0; i < n; i++) {
            bytes[length + i] = (byte) s.charAt(i);
        }
        length += n;
        return this;
    }

    /**
     * Appends a string as it is, in UTF-8.
     *
     * @param s the text
     * @return this
     */
    public AsciiLine text(String s) {
        int n = s.length();
        room(n);
        byte[] b = bytes;
        int p = length;
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c >= 0x80) {
                return utf8(s);
            }
            b[p + i] = (byte) c;
        }
        length = p + n;
        return this;
    }

    /**
     * Appends a number in decimal, as {@link Long#toString(long)} writes it.
     *
     * @param v the number
     * @return this
     */
    public AsciiLine number(long v) {
        if (v < 0) {
            return ascii(Long.toString(v));
        }
        int n = digits(v);
        room(n);
        int end = length + n;
        if (v <= Integer.MAX_VALUE) {
            digits(bytes, end, (int) v);
        } else {
            digits(bytes, end, v);
        }
        length = end;
        return this;
    }

    /** Number of decimal digits of a non-negative value: a log2 estimate corrected by one comparison. */
    private static int digits(long v) {
        if (v >= POW10[18]) {
            return 19;
        }
        int t = ((64 - Long.numberOfLeadingZeros(v | 1)) * 1233) >>> 12; // floor(log10(2^bits)), at most one too big
        return t - ((v | 1) < POW10[t] ? 1 : 0) + 1;
    }

    /** Writes {@code v} right-aligned to end at {@code end}, two digits per division. */
    private static void digits(byte[] b, int end, long v) {
        int i = end;
        while (v > Integer.MAX_VALUE) {
            long q = v / 100;
            int r = (int) (v - q * 100);
            b[--i] = PAIRS[2 * r + 1];
            b[--i] = PAIRS[2 * r];
            v = q;
        }
        digits(b, i, (int) v);
    }

    private static void digits(byte[] b, int end, int v) {
        int i = end;
        while (v >= 100) {
            int q = v / 100;
            int r = v - q * 100;
            b[--i] = PAIRS[2 * r + 1];
            b[--i] = PAIRS[2 * r];
            v = q;
        }
        if (v >= 10) {
            b[--i] = PAIRS[2 * v + 1];
            b[--i] = PAIRS[2 * v];
        } else {
            b[--i] = (byte) ('0' + v);
        }
    }

    /**
     * Appends nanoseconds as seconds with six decimals, rounded half-up to the microsecond, as
     * {@link ZeekAscii#seconds} does.
     *
     * @param nanos a non-negative time or interval in nanoseconds
     * @return this
     */
    public AsciiLine seconds(long nanos) {
        long micros = nanos / 1000 + ((nanos % 1000) >= 500 ? 1 : 0);
        if (micros < 0) {
            return ascii(negativeSeconds(micros));
        }
        long whole = micros / 1_000_000;
        int frac = (int) (micros - whole * 1_000_000);
        number(whole);
        room(7);
        byte[] b = bytes;
        int p = length;
        b[p] = '.';
        int hi = frac / 10_000;
        int rest = frac - hi * 10_000;
        int mid = rest / 100;
        int lo = rest - mid * 100;
        b[p + 1] = PAIRS[2 * hi];
        b[p + 2] = PAIRS[2 * hi + 1];
        b[p + 3] = PAIRS[2 * mid];
        b[p + 4] = PAIRS[2 * mid + 1];
        b[p + 5] = PAIRS[2 * lo];
        b[p + 6] = PAIRS[2 * lo + 1];
        length = p + 7;
        return this;
    }

    /** What {@link #seconds} wrote for a negative time before it had a fast path, kept byte for byte. */
    private static String negativeSeconds(long micros) {
        char[] frac = new char[6];
        long f = micros % 1_000_000;
        for (int i = 5; i >= 0; i--) {
            frac[i] = (char) ('0' + (int) (f % 10));
            f /= 10;
        }
        return (micros / 1_000_000) + "." + new String(frac);
    }

    /**
     * Appends an address as {@link ZeekAscii#address} does: a dotted quad, or RFC 5952 compressed
     * lower-case IPv6 (the longest run of two or more zero groups, the first of equal runs,
     * becomes {@code ::}).
     *
     * @param addr the address
     * @return this
     */
    public AsciiLine address(InetAddress addr) {
        byte[] a = addr.getAddress();
        if (a.length == 4) {
            room(15);
            int p = octet(bytes, length, a[0] & 0xFF);
            bytes[p++] = '.';
            p = octet(bytes, p, a[1] & 0xFF);
            bytes[p++] = '.';
            p = octet(bytes, p, a[2] & 0xFF);
            bytes[p++] = '.';
            length = octet(bytes, p, a[3] & 0xFF);
            return this;
        }
        int bestStart = -1;
        int bestLen = 1;
        for (int i = 0; i < 8; ) {
            if (a[2 * i] != 0 || a[2 * i + 1] != 0) {
                i++;
                continue;
            }
            int j = i;
            while (j < 8 && a[2 * j] == 0 && a[2 * j + 1] == 0) {
                j++;
            }
            if (j - i > bestLen) {
                bestStart = i;
                bestLen = j - i;
            }
            i = j;
        }
        room(39);
        byte[] b = bytes;
        int p = length;
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                b[p++] = ':';
                b[p++] = ':';
                i += bestLen - 1;
                continue;
            }
            if (i > 0 && i != bestStart + bestLen) {
                b[p++] = ':';
            }
            int g = ((a[2 * i] & 0xFF) << 8) | (a[2 * i + 1] & 0xFF);
            int shift = 12;
            while (shift > 0 && (g >>> shift) == 0) {
                shift -= 4;
            }
            for (; shift >= 0; shift -= 4) {
                b[p++] = HEX[(g >>> shift) & 0xF];
            }
        }
        length = p;
        return this;
    }

    /** Writes 0 to 255 in decimal at {@code p}; returns the position after it. */
    private static int octet(byte[] b, int p, int v) {
        if (v >= 100) {
            int h = v / 100;
            b[p++] = (byte) ('0' + h);
            v -= h * 100;
            b[p++] = PAIRS[2 * v];
            b[p++] = PAIRS[2 * v + 1];
        } else if (v >= 10) {
            b[p++] = PAIRS[2 * v];
            b[p++] = PAIRS[2 * v + 1];
        } else {
            b[p++] = (byte) ('0' + v);
        }
        return p;
    }

    /**
     * Appends a string field with Zeek's escaping, as {@link ZeekAscii#string} does: unset for
     * {@code null}, {@code (empty)} for "".
     *
     * @param s the value
     * @return this
     */
    public AsciiLine zeekString(String s) {
        if (s == null) {
            return ascii(ZeekAscii.UNSET);
        }
        if (plain(s)) {
            return this;
        }
        scratch.setLength(0);
        ZeekAscii.string(scratch, s);
        return utf8(scratch);
    }

    /**
     * Appends a set of strings as {@link ZeekAscii#set} does.
     *
     * @param values the set, or {@code null} for unset
     * @return this
     */
    public AsciiLine zeekSet(List<String> values) {
        if (values == null) {
            return ascii(ZeekAscii.UNSET);
        }
        scratch.setLength(0);
        ZeekAscii.set(scratch, values);
        return utf8(scratch);
    }

    /**
     * Appends {@code s} if Zeek writes it unchanged (printable ASCII, no escape or separator, not a
     * marker), copying while checking; otherwise appends nothing.
     *
     * @return whether {@code s} was appended
     */
    private boolean plain(String s) {
        int n = s.length();
        if (n == 0 || (n == 1 && s.charAt(0) == '-') || s.equals(ZeekAscii.EMPTY)) {
            return false;
        }
        room(n);
        byte[] b = bytes;
        int p = length;
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c >= 0x7F || c == '\\' || c == '\t') {
                return false;
            }
            b[p + i] = (byte) c;
        }
        length = p + n;
        return true;
    }

    private AsciiLine utf8(CharSequence text) {
        byte[] encoded = text.toString().getBytes(StandardCharsets.UTF_8);
        room(encoded.length);
        System.arraycopy(encoded, 0, bytes, length, encoded.length);
        length += encoded.length;
        return this;
    }
}
