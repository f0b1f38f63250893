package io.flowkit;

/**
 * Receives scan events from a {@link FlowTracker} configured with {@link ScanDetection}.
 *
 * <p><b>Thread:</b> called on the tracker's thread, synchronously, when a source crosses a
 * threshold (usually while an attempt's outcome becomes known: a rejection, or an attempt timer
 * firing). Keep it short.
 *
 * <p><b>Errors:</b> an exception thrown by the listener is caught, counted in
 * {@link TrackerStats#listenerFailures()} and logged once; the tracker carries on.
 */
@FunctionalInterface
public interface ScanListener {

    /**
     * Called when a scan is detected.
     *
     * @param event the event with its evidence; immutable, may be kept
     */
    void onScan(ScanEvent event);
}
