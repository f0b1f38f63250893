package io.flowkit.core.internal.engine;

import io.flowkit.Bound;
import io.flowkit.BoundListener;
import io.flowkit.core.internal.bound.BoundGauge;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The application's bound listeners, called in the order they were added, on the tracker's
 * thread. A listener that throws is counted ({@link io.flowkit.TrackerStats#listenerFailures()})
 * and logged once, and the others still run, as with {@link Listeners}.
 */
final class BoundListeners implements BoundGauge.Signal {
    private static final Logger LOG = LoggerFactory.getLogger(BoundListeners.class);

    private final BoundListener[] listeners;
    private long failures;

    BoundListeners(List<BoundListener> listeners) {
        this.listeners = listeners.toArray(new BoundListener[0]);
    }

    @Override
    public void reached(Bound bound, long limit) {
        for (BoundListener l : listeners) {
            try {
                l.onBoundReached(bound, limit);
            } catch (RuntimeException e) {
                if (failures++ == 0) {
                    LOG.warn("bound listener {} threw; counting further failures in TrackerStats.listenerFailures",
                            l, e);
                }
            }
        }
    }

    /** @return exceptions thrown by listeners so far */
    long failures() {
        return failures;
    }
}
