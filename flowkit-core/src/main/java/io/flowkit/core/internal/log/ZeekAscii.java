package io.flowkit.core.internal.log;

import java.net.InetAddress;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;

/**
 * Formatting shared by the Zeek log writers: the ASCII writer's header and footer, times,
 * intervals, addresses and string escaping as Zeek prints them, and the JSON variants.
 *
 * <p>Zeek prints times and intervals with six decimals ({@code %.6f} of seconds). flowkit keeps
 * nanoseconds, so values are rounded half-up to the microsecond; for pcap input, which carries
 * microseconds, this is exact.
 */
public final class ZeekAscii {
    /** Zeek's unset marker. */
    public static final String UNSET = "-";
    /** Zeek's empty-container marker. */
    public static final String EMPTY = "(empty)";

    private static final DateTimeFormatter OPEN_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd-HH-mm-ss");

    private ZeekAscii() {
    }

    /**
     * Appends the header lines of a Zeek ASCII log.
     *
     * @param sb     where to append
     * @param path   the log's path ({@code conn}, {@code scan})
     * @param fields column names
     * @param types  Zeek types of the columns
     */
    public static void header(StringBuilder sb, String path, List<String> fields, List<String> types) {
        sb.append("#separator \\x09\n");
        sb.append("#set_separator\t,\n");
        sb.append("#empty_field\t(empty)\n");
        sb.append("#unset_field\t-\n");
        sb.append("#path\t").append(path).append('\n');
        sb.append("#open\t").append(now()).append('\n');
        sb.append("#fields");
        for (String f : fields) {
            sb.append('\t').append(f);
        }
        sb.append("\n#types");
        for (String t : types) {
            sb.append('\t').append(t);
        }
        sb.append('\n');
    }

    /**
     * Appends the footer line of a Zeek ASCII log.
     *
     * @param sb where to append
     */
    public static void footer(StringBuilder sb) {
        sb.append("#close\t").append(now()).append('\n');
    }

    private static String now() {
        return ZonedDateTime.now(ZoneOffset.UTC).format(OPEN_TIME);
    }

    /**
     * Appends nanoseconds as seconds with six decimals, rounded half-up to the microsecond.
     *
     * @param sb    where to append
     * @param nanos a non-negative time or interval in nanoseconds
     */
    public static void seconds(StringBuilder sb, long nanos) {
        long micros = nanos / 1000 + ((nanos % 1000) >= 500 ? 1 : 0);
        sb.append(micros / 1_000_000).append('.');
        long frac = micros % 1_000_000;
        for (long d = 100_000; d > 1 && frac < d; d /= 10) {
            sb.append('0');
        }
        sb.append(frac);
    }

    /**
     * Appends an address as Zeek prints it: dotted quad for IPv4 (and IPv4-mapped IPv6), RFC 5952
     * compressed lower case for IPv6.
     *
     * @param sb   where to append
     * @param addr the address
     */
    public static void address(StringBuilder sb, InetAddress addr) {
        byte[] b = addr.getAddress();
        if (b.length == 4) {
            // dotted quad, as InetAddress.getHostAddress() gives it, without the string
            sb.append(b[0] & 0xFF).append('.').append(b[1] & 0xFF).append('.').append(b[2] & 0xFF).append('.')
                    .append(b[3] & 0xFF);
            return;
        }
        int[] g = new int[8];
        for (int i = 0; i < 8; i++) {
            g[i] = ((b[2 * i] & 0xFF) << 8) | (b[2 * i + 1] & 0xFF);
        }
        int bestStart = -1;
        int bestLen = 1;
        for (int i = 0; i < 8; ) {
            if (g[i] != 0) {
                i++;
                continue;
            }
            int j = i;
            while (j < 8 && g[j] == 0) {
                j++;
            }
            if (j - i > bestLen) {
                bestStart = i;
                bestLen = j - i;
            }
            i = j;
        }
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                sb.append("::");
                i += bestLen - 1;
                continue;
            }
            if (i > 0 && i != bestStart + bestLen) {
                sb.append(':');
            }
            hex(sb, g[i]);
        }
    }

    /** Appends a 16-bit group in lower-case hex without leading zeros, as Integer.toHexString would. */
    private static void hex(StringBuilder sb, int group) {
        int shift = 12;
        while (shift > 0 && (group >>> shift) == 0) {
            shift -= 4;
        }
        for (; shift >= 0; shift -= 4) {
            sb.append(Character.forDigit((group >>> shift) & 0xF, 16));
        }
    }

    /**
     * Appends a string field with Zeek's escaping: backslash, the separators and non-printable
     * bytes as {@code \xHH}; {@code null} as unset and "" as {@code (empty)}.
     *
     * @param sb where to append
     * @param s  the value
     */
    public static void string(StringBuilder sb, String s) {
        string(sb, s, false);
    }

    private static void string(StringBuilder sb, String s, boolean inSet) {
        if (s == null) {
            sb.append(UNSET);
            return;
        }
        if (s.isEmpty()) {
            sb.append(EMPTY);
            return;
        }
        if (s.equals(UNSET) || s.equals(EMPTY)) {
            // a literal value equal to a marker is escaped, as Zeek does, so readers can tell them apart
            escapeChar(sb, s.charAt(0));
            sb.append(s, 1, s.length());
            return;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' || c == '\t' || (inSet && c == ',') || c < 0x20 || c >= 0x7F) {
                escapeChar(sb, c);
            } else {
                sb.append(c);
            }
        }
    }

    private static void escapeChar(StringBuilder sb, char c) {
        if (c > 0xFF) {
            sb.append(c);
            return;
        }
        sb.append("\\x").append(Character.forDigit(c >> 4, 16)).append(Character.forDigit(c & 0xF, 16));
    }

    /**
     * Appends a set of strings: comma separated, {@code (empty)} when empty, unset when
     * {@code null}.
     *
     * @param sb     where to append
     * @param values the set, or {@code null}
     */
    public static void set(StringBuilder sb, List<String> values) {
        if (values == null) {
            sb.append(UNSET);
            return;
        }
        if (values.isEmpty()) {
            sb.append(EMPTY);
            return;
        }
        for (int i = 0; i < values.size(); i++) {
            if (i > 0) {
                sb.append(',');
            }
            string(sb, values.get(i), true);
        }
    }

    /**
     * Appends a JSON string literal.
     *
     * @param sb where to append
     * @param s  the value, not null
     */
    public static void jsonString(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }
}
