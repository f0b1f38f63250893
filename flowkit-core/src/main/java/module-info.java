/**
 * flowkit's engine. Applications reach it through {@link io.flowkit.FlowTracker#builder()}
 * ({@code flowkit-api}), which finds this module's provider; the only exported package,
 * {@code io.flowkit.core}, holds the log writers. Everything in {@code io.flowkit.core.internal}
 * is implementation and stays encapsulated.
 */
module io.flowkit.core {
    requires transitive io.flowkit.api;
    requires it.unimi.dsi.fastutil;
    requires com.github.benmanes.caffeine;
    requires org.slf4j;

    exports io.flowkit.core;

    provides io.flowkit.spi.FlowTrackerProvider with io.flowkit.core.internal.engine.CoreTrackerProvider;
}
