package io.flowkit;

/**
 * Receives connection records from a {@link FlowTracker}.
 *
 * <p><b>Thread:</b> called on the tracker's thread, synchronously, from the call that fed the
 * packet whose arrival (or network time) ended the connection, or from
 * {@link FlowTracker#close()}. Keep it short; hand slow work to another thread.
 *
 * <p><b>Order:</b> each connection is delivered exactly once, in the order the tracker removes
 * connections (Zeek's {@code conn.log} order); {@code close()} delivers the connections still
 * open in Zeek's end-of-input order.
 *
 * <p><b>Errors:</b> an exception thrown by the listener is caught, counted in
 * {@link TrackerStats#listenerFailures()} and logged once; the tracker carries on.
 */
@FunctionalInterface
public interface ConnectionListener {

    /**
     * Called once when a connection is removed from the tracker.
     *
     * @param connection the finished record; immutable, may be kept
     */
    void onConnectionClosed(Connection connection);

    /**
     * Called when a connection still open reaches one of the ages set with
     * {@link FlowTracker.Builder#progressAges(java.time.Duration...)} (never unless enabled).
     * The snapshot holds the counts so far, its duration is the connection's age at its last
     * packet, and its close reason is {@link CloseReason#STILL_OPEN}; the same uid is closed
     * later through {@link #onConnectionClosed(Connection)}. Called on the thread that gets the
     * records, with {@link FlowTracker.Builder#threads(int)} above 1 too, always before that
     * connection's record. Does nothing by default.
     *
     * @param connection the snapshot; immutable, may be kept
     */
    default void onConnectionProgress(Connection connection) {
    }
}
