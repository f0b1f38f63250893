package io.flowkit.core.internal.engine;

import io.flowkit.FlowTracker;
import io.flowkit.TrackerConfig;
import io.flowkit.spi.FlowTrackerProvider;

/** Makes flowkit-core's engine the one {@link FlowTracker#builder()} builds. */
public final class CoreTrackerProvider implements FlowTrackerProvider {

    /** Creates the provider; called by {@link java.util.ServiceLoader}. */
    public CoreTrackerProvider() {
    }

    @Override
    public FlowTracker create(TrackerConfig config) {
        return new DefaultFlowTracker(config);
    }
}
