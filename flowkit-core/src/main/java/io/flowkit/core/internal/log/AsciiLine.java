package io.flowkit.core.internal.log;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * One log line built directly as bytes: numbers, times and IPv4 addresses are written digit by
 * digit into a reused array, and strings that need no escaping are copied as they are.
 *
 * <p><b>Why.</b> {@code conn.log} gets one line per connection, hundreds of thousands per capture.
 * Through a {@link StringBuilder} every number goes through the builder's capacity checks and
 * its Latin-1/UTF-16 branches, and the line is copied and encoded again on output; the compiled
 * code for one such line is tens of kilobytes, which the JIT spends a noticeable part of a short
 * run compiling. Here each value is a short loop over a byte array.
 *
 * <p><b>Same text as {@link ZeekAscii}.</b> The formats are Zeek's, exactly as {@link ZeekAscii}
 * writes them (its tests compare both): {@link #seconds} is {@code %.6f} rounded half-up to the
 * microsecond, {@link #address} a dotted quad or RFC 5952 IPv6, {@link #zeekString} and
 * {@link #zeekSet} Zeek's escaping. Strings and IPv6 addresses that need more than a copy go
 * through {@link ZeekAscii} itself and are encoded in UTF-8, so there is one implementation of
 * escaping. Not thread-safe.
 */
public final class AsciiLine {
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
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) >= 0x80) {
                return utf8(s);
            }
        }
        return ascii(s);
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
        int digits = 1;
        for (long x = v; x >= 10; x /= 10) {
            digits++;
        }
        room(digits);
        int end = length + digits;
        for (int i = end - 1; i >= length; i--) {
            bytes[i] = (byte) ('0' + (int) (v % 10));
            v /= 10;
        }
        length = end;
        return this;
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
        number(micros / 1_000_000).append('.');
        room(6);
        long frac = micros % 1_000_000;
        for (int i = length + 5; i >= length; i--) {
            bytes[i] = (byte) ('0' + (int) (frac % 10));
            frac /= 10;
        }
        length += 6;
        return this;
    }

    /**
     * Appends an address as {@link ZeekAscii#address} does.
     *
     * @param addr the address
     * @return this
     */
    public AsciiLine address(InetAddress addr) {
        byte[] b = addr.getAddress();
        if (b.length != 4) {
            scratch.setLength(0);
            ZeekAscii.address(scratch, addr);
            return ascii(scratch.toString());
        }
        return number(b[0] & 0xFF).append('.').number(b[1] & 0xFF).append('.').number(b[2] & 0xFF).append('.')
                .number(b[3] & 0xFF);
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
            return ascii(s);
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

    /** Whether Zeek writes {@code s} unchanged: printable ASCII, no escape or separator, not a marker. */
    private static boolean plain(String s) {
        int n = s.length();
        if (n == 0 || s.equals(ZeekAscii.UNSET) || s.equals(ZeekAscii.EMPTY)) {
            return false;
        }
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c >= 0x7F || c == '\\' || c == '\t') {
                return false;
            }
        }
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
