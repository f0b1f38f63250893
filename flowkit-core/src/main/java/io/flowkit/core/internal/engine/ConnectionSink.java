package io.flowkit.core.internal.engine;

import io.flowkit.Bound;
import io.flowkit.Connection;
import io.flowkit.core.internal.bound.BoundGauge;
import io.flowkit.core.internal.decode.PacketView;

/**
 * Where the engine sends what it learns, on the tracker's thread: every finished connection
 * record, in removal order, the first eviction at each of its bounds, and every ICMP destination-unreachable message with the packet it
 * quotes. The tracker's sink fans records out to the connection listeners; scan detection plugs
 * in here too, as a second consumer of the same two calls.
 */
public interface ConnectionSink {

    /**
     * A connection left the table.
     *
     * @param connection the finished record
     */
    void connectionRemoved(Connection connection);

    /**
     * A connection still open reached a progress age; it stays in the table.
     *
     * @param snapshot the record so far, closed with {@link io.flowkit.CloseReason#STILL_OPEN}
     */
    default void connectionProgress(Connection snapshot) {
    }

    /**
     * An ICMP (type 3) or ICMPv6 (type 1) destination-unreachable message arrived. Its sender is
     * {@code view.src*}; the packet it reports is in {@code view.inner*} (addresses, protocol,
     * ports when TCP or UDP). The view is valid during the call only.
     *
     * @param view the decoded ICMP packet
     */
    void icmpUnreachable(PacketView view);

    /**
     * A bound of the engine's tables started evicting (see
     * {@link io.flowkit.core.internal.bound.BoundGauge}); the record of the evicted connection came
     * just before.
     *
     * @param bound the bound
     * @param limit its value in this engine
     */
    default void boundReached(Bound bound, long limit) {
    }

    /**
     * The tracker was closed and has delivered the connections still open (closed with
     * {@link io.flowkit.CloseReason#END_OF_INPUT}); nothing follows.
     */
    default void endOfInput() {
    }

    /**
     * Returns how many calls to this sink's own listeners threw (scan listeners), for
     * {@link io.flowkit.TrackerStats#listenerFailures()}.
     *
     * @return failures so far; 0 for a sink without listeners
     */
    default long listenerFailures() {
        return 0;
    }

    /**
     * Returns the gauge of a bound this sink keeps itself (scan detection's
     * {@link Bound#SCAN_SOURCES}), so the tracker can point its signal at the bound listeners and
     * report its counts; {@code null} when it keeps none.
     *
     * @return the gauge, or null
     */
    default BoundGauge boundGauge() {
        return null;
    }
}
