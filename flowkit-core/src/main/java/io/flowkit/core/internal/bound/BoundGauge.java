package io.flowkit.core.internal.bound;

import io.flowkit.Bound;

/**
 * Watches one hard bound: counts the entries evicted to stay within it, and signals the first
 * eviction of each episode.
 *
 * <p><b>Idea.</b> An alert per eviction would flood the listener exactly when the tracker is
 * busiest (a table held at its bound by a SYN flood evicts on every packet). So the gauge has two
 * states: <em>armed</em> (the table is comfortably below its bound) and <em>reached</em>. The first
 * eviction while armed signals and disarms; the gauge re-arms only when the table's occupancy,
 * reported on each ordinary removal, falls to half the bound. That hysteresis gives one signal per
 * flood, not one per eviction and not one per packet that happens to find a free slot. A tiny
 * bound drains to half with every removal, so signals are also at least {@link #MIN_INTERVAL_NANOS}
 * of network time apart: an eviction in that interval is counted, and the gauge stays armed.
 *
 * <p><b>Cost.</b> Two field updates per eviction, one comparison per ordinary removal (calls happen
 * per connection or datagram event, never per packet); nothing is allocated. Not thread-safe: each
 * gauge belongs to the thread that owns its table.
 */
public final class BoundGauge {

    /** Receives the signal, on the gauge owner's thread. */
    @FunctionalInterface
    public interface Signal {
        /** A signal that goes nowhere (the counts are still kept). */
        Signal NONE = (bound, limit) -> { };

        /**
         * A bound started evicting.
         *
         * @param bound the bound
         * @param limit its value
         */
        void reached(Bound bound, long limit);
    }

    /** Least network time between two signals of one gauge: one minute. */
    public static final long MIN_INTERVAL_NANOS = 60_000_000_000L;

    private final Bound bound;
    private final long limit;
    private final long relief;
    private Signal signal;
    private boolean armed = true;
    private boolean signalled;
    private long lastSignal;
    private long evictions;
    private long reached;

    /**
     * Creates an armed gauge.
     *
     * @param bound  which bound
     * @param limit  its value, at least 1
     * @param signal receives the first eviction of each episode
     */
    public BoundGauge(Bound bound, long limit, Signal signal) {
        this.bound = bound;
        this.limit = limit;
        this.relief = limit / 2;
        this.signal = signal;
    }

    /**
     * Redirects the signal; counts are kept.
     *
     * @param to the new receiver
     */
    public void signalTo(Signal to) {
        signal = to;
    }

    /**
     * Counts one eviction; the first of an episode signals, unless the last signal was less than
     * {@link #MIN_INTERVAL_NANOS} ago.
     *
     * @param now network time of the eviction, in nanoseconds
     */
    public void evicted(long now) {
        evictions++;
        if (armed && (!signalled || now - lastSignal >= MIN_INTERVAL_NANOS)) {
            armed = false;
            signalled = true;
            lastSignal = now;
            reached++;
            signal.reached(bound, limit);
        }
    }

    /**
     * Reports the table's occupancy after an ordinary (not evicting) removal; at half the bound or
     * below the episode is over.
     *
     * @param size entries in the table now
     */
    public void occupancy(long size) {
        if (!armed && size <= relief) {
            armed = true;
        }
    }

    /** @return the bound watched */
    public Bound bound() {
        return bound;
    }

    /** @return the bound's value */
    public long limit() {
        return limit;
    }

    /** @return entries evicted so far */
    public long evictions() {
        return evictions;
    }

    /** @return episodes so far (signals sent) */
    public long reached() {
        return reached;
    }
}
