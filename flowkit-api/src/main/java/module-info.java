/**
 * The public API of flowkit: build a {@link io.flowkit.FlowTracker}, feed it frames from a
 * {@link io.flowkit.PacketSource}, receive {@link io.flowkit.Connection} records and
 * {@link io.flowkit.ScanEvent}s. The engine behind it is found with {@link java.util.ServiceLoader}
 * through {@link io.flowkit.spi.FlowTrackerProvider}; add {@code flowkit-core} to use it.
 */
module io.flowkit.api {
    exports io.flowkit;
    exports io.flowkit.spi;

    uses io.flowkit.spi.FlowTrackerProvider;
}
