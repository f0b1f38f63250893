package io.flowkit;

import java.time.Duration;
import java.util.Objects;

/** Eager validation shared by the builders; messages name the option and the bad value. */
final class Checks {
    private Checks() {
    }

    static Duration positive(String option, Duration d) {
        Objects.requireNonNull(d, option);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(option + " must be positive, got " + d);
        }
        return d;
    }

    static int positive(String option, int v) {
        if (v <= 0) {
            throw new IllegalArgumentException(option + " must be positive, got " + v);
        }
        return v;
    }

    static int port(String option, int port) {
        if (port < 0 || port > 0xFFFF) {
            throw new IllegalArgumentException(option + ": port must be 0..65535, got " + port);
        }
        return port;
    }

    static double probability(String option, double p) {
        if (!(p > 0.0 && p < 1.0)) {
            throw new IllegalArgumentException(option + " must be strictly between 0 and 1, got " + p);
        }
        return p;
    }

    static void once(String option, boolean alreadySet) {
        if (alreadySet) {
            throw new IllegalStateException(option + " was already set");
        }
    }
}
