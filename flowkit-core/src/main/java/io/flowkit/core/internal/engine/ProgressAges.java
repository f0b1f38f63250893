package io.flowkit.core.internal.engine;

import java.time.Duration;
import java.util.List;

/**
 * The schedule of progress events for long-lived connections (Zeek's conn-long policy idea:
 * report a connection that is still open at fixed ages so it is visible before it ends).
 *
 * <p><b>Idea:</b> a connection's next progress deadline is {@code start + age}; after the
 * configured ages run out the last age repeats as an interval (10 min, 1 h gives 10 min, 1 h,
 * 2 h, 3 h, ...). The engine keeps one deadline per connection next to its other timers, so the
 * lazy timer wheel still holds a single entry per connection and a packet costs nothing extra.
 *
 * <p><b>Invariant:</b> ages strictly increase (checked by the builder); a deadline of 0 means
 * no progress events. <b>Cost:</b> O(number of ages) per fired event, nothing per packet.
 */
final class ProgressAges {
    private final long[] ages;

    ProgressAges(List<Duration> ages) {
        this.ages = ages.stream().mapToLong(Duration::toNanos).toArray();
    }

    /** Returns the first progress deadline of a connection starting at {@code start}, or 0 when off. */
    long first(long start) {
        return ages.length == 0 ? 0 : Tcp.plus(start, ages[0]);
    }

    /** Returns the deadline after the one at {@code fired} for a connection starting at {@code start}. */
    long next(long start, long fired) {
        long age = fired - start;
        for (long a : ages) {
            if (a > age) {
                return Tcp.plus(start, a);
            }
        }
        return Tcp.plus(fired, ages[ages.length - 1]);
    }
}
