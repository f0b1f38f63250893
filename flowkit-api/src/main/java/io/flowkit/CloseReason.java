package io.flowkit;

/** Why a connection record was produced. */
public enum CloseReason {
    /** The connection finished (FIN or RST exchange) and its close or reset delay passed. */
    CLOSED,
    /** No packet arrived within the inactivity timeout (or the attempt timeout for an unanswered SYN). */
    INACTIVITY_TIMEOUT,
    /** A new connection (a fresh SYN) reused the 5-tuple of a finished one and replaced it. */
    REUSED,
    /**
     * The connection table reached its bound and this connection's timer was due soonest (see
     * {@link FlowTracker.Builder#maxConnections(int)}).
     */
    EVICTED,
    /** The input ended, or the tracker was closed, while the connection was still open. */
    END_OF_INPUT,
    /**
     * Not a close: a progress snapshot of a connection that stays open, delivered to
     * {@link ConnectionListener#onConnectionProgress(Connection)} at the ages set with
     * {@link FlowTracker.Builder#progressAges(java.time.Duration...)}.
     */
    STILL_OPEN
}
