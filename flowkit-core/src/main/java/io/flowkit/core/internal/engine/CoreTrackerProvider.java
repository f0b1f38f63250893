package io.flowkit.core.internal.engine;

import io.flowkit.FlowTracker;
import io.flowkit.TrackerConfig;
import io.flowkit.core.internal.scan.ScanDetector;
import io.flowkit.spi.FlowTrackerProvider;

/** Makes flowkit-core's engine the one {@link FlowTracker#builder()} builds. */
public final class CoreTrackerProvider implements FlowTrackerProvider {

    /** Creates the provider; called by {@link java.util.ServiceLoader}. */
    public CoreTrackerProvider() {
    }

    @Override
    public FlowTracker create(TrackerConfig config) {
        if (config.threads() > 1) {
            return new ShardedFlowTracker(config, config.scanDetection() == null ? null
                    : new ScanDetector(config.scanDetection(), config.scanListeners()));
        }
        if (config.scanDetection() == null) {
            return new DefaultFlowTracker(config);
        }
        return new DefaultFlowTracker(config, new ScanSink(new ScanDetector(config.scanDetection(), config.scanListeners())));
    }
}
