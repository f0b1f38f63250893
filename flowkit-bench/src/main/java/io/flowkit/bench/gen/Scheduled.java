package io.flowkit.bench.gen;

import java.util.Comparator;

/**
 * Something in the generator's event queue: a flow or a scanner, due at {@link #nextNanos}.
 * Ties are broken by creation order so the queue's order, and with it the output, is fully
 * determined by the seed.
 */
abstract class Scheduled {
    static final Comparator<Scheduled> BY_TIME = (a, b) -> {
        int c = Long.compare(a.nextNanos, b.nextNanos);
        return c != 0 ? c : Long.compare(a.order, b.order);
    };

    final long order;
    long nextNanos;

    Scheduled(long order, long nextNanos) {
        this.order = order;
        this.nextNanos = nextNanos;
    }
}
