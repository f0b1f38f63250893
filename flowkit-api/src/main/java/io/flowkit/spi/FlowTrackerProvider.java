package io.flowkit.spi;

import io.flowkit.FlowTracker;
import io.flowkit.TrackerConfig;

/**
 * The engine behind {@link FlowTracker#builder()}, found with {@link java.util.ServiceLoader}.
 * {@code flowkit-core} provides one; an application does not implement this.
 */
public interface FlowTrackerProvider {

    /**
     * Creates a tracker for a validated configuration.
     *
     * @param config immutable settings from {@link FlowTracker.Builder}
     * @return a new tracker, ready for frames
     */
    FlowTracker create(TrackerConfig config);
}
