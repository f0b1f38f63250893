package io.flowkit;

/**
 * Told when one of a tracker's hard bounds starts evicting entries: a signal to raise the bound,
 * give the tracker more heap, or look for a flood. Register it with
 * {@link FlowTracker.Builder#boundListener(BoundListener)}.
 *
 * <p><b>When.</b> {@link #onBoundReached(Bound, long)} is called the first time the tracker has to
 * evict an entry to stay within a bound. It is not called again for that bound until the table
 * has drained to half its bound (the episode ended), and never twice within one minute of network
 * time; a table that stays full under a flood gives one call, not one per eviction. Every eviction is still counted in
 * {@link TrackerStats#evictions(Bound)}, and every call in {@link TrackerStats#boundReached(Bound)},
 * whether or not a listener is registered.
 *
 * <p><b>Which thread.</b> The tracker's thread, inside {@link FlowTracker#onFrame},
 * {@link FlowTracker#run}, {@link FlowTracker#advanceTime} or {@link FlowTracker#close}, right
 * after the record of the first evicted connection has gone to the connection listeners. With
 * {@link FlowTracker.Builder#threads(int)} above 1 each engine holds its own share of
 * {@link Bound#CONNECTIONS} and {@link Bound#PENDING}, and each share reports on its own; the
 * calls still come on the calling thread.
 *
 * <p><b>Errors.</b> An exception thrown by the listener is caught, counted in
 * {@link TrackerStats#listenerFailures()} and logged once; the tracker and the other listeners
 * carry on. Keep the listener short: it runs on the packet path.
 */
@FunctionalInterface
public interface BoundListener {

    /**
     * A bound started evicting entries.
     *
     * @param bound which bound
     * @param limit the bound's value: entries (for {@link Bound#FRAGMENTS}, datagrams) the table
     *              holds at most; with several engines, the share of the engine that
     *              reached it
     */
    void onBoundReached(Bound bound, long limit);
}
