package io.flowkit.cli;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Locale;

/**
 * A small GNU-style argument reader: {@code --name value}, {@code --name=value}, short flags,
 * {@code --} ends options, a lone {@code -} is an operand (stdin). Every error is a
 * {@link UsageException} naming the option.
 */
final class Args {
    private final Deque<String> rest;
    private final List<String> operands = new ArrayList<>();
    private String pendingValue;

    Args(String[] args, int from) {
        rest = new ArrayDeque<>(List.of(args).subList(from, args.length));
    }

    /** Returns the next option name (with its dashes), or null when only operands remain. */
    String nextOption() {
        while (!rest.isEmpty()) {
            String a = rest.poll();
            if (a.equals("--")) {
                operands.addAll(rest);
                rest.clear();
                return null;
            }
            if (a.startsWith("--") && a.contains("=")) {
                int eq = a.indexOf('=');
                pendingValue = a.substring(eq + 1);
                return a.substring(0, eq);
            }
            if (a.startsWith("-") && a.length() > 1) {
                pendingValue = null;
                return a;
            }
            operands.add(a);
        }
        return null;
    }

    String value(String option) throws UsageException {
        if (pendingValue != null) {
            String v = pendingValue;
            pendingValue = null;
            return v;
        }
        String v = rest.poll();
        if (v == null) {
            throw new UsageException("option " + option + " needs a value");
        }
        return v;
    }

    void noValue(String option) throws UsageException {
        if (pendingValue != null) {
            throw new UsageException("option " + option + " takes no value");
        }
    }

    List<String> operands() {
        return operands;
    }

    static long parseLong(String option, String v, long min) throws UsageException {
        try {
            long n = Long.parseLong(v.replace("_", ""));
            if (n < min) {
                throw new UsageException("option " + option + " must be at least " + min + ", got " + v);
            }
            return n;
        } catch (NumberFormatException e) {
            throw new UsageException("option " + option + " needs a whole number, got '" + v + "'");
        }
    }

    /** Parses durations such as {@code 90s}, {@code 5m}, {@code 2h}, {@code 1d}, {@code 250ms}, or plain seconds. */
    static Duration parseDuration(String option, String v) throws UsageException {
        String s = v.trim().toLowerCase(Locale.ROOT);
        try {
            Duration d;
            if (s.endsWith("ms")) {
                d = Duration.ofMillis(Long.parseLong(s.substring(0, s.length() - 2)));
            } else if (s.endsWith("s")) {
                d = Duration.ofMillis(Math.round(Double.parseDouble(s.substring(0, s.length() - 1)) * 1000));
            } else if (s.endsWith("m")) {
                d = Duration.ofSeconds(Math.round(Double.parseDouble(s.substring(0, s.length() - 1)) * 60));
            } else if (s.endsWith("h")) {
                d = Duration.ofSeconds(Math.round(Double.parseDouble(s.substring(0, s.length() - 1)) * 3600));
            } else if (s.endsWith("d")) {
                d = Duration.ofSeconds(Math.round(Double.parseDouble(s.substring(0, s.length() - 1)) * 86400));
            } else {
                d = Duration.ofMillis(Math.round(Double.parseDouble(s) * 1000));
            }
            if (d.isNegative() || d.isZero()) {
                throw new UsageException("option " + option + " must be positive, got '" + v + "'");
            }
            return d;
        } catch (NumberFormatException e) {
            throw new UsageException("option " + option + " needs a duration such as 30s, 5m or 2h, got '" + v + "'");
        }
    }

    static String[] list(String v) {
        return v.split("\\s*,\\s*");
    }
}
