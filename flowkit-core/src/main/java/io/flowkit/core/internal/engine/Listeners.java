package io.flowkit.core.internal.engine;

import io.flowkit.Connection;
import io.flowkit.ConnectionListener;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The application's connection listeners, called in the order they were added. A listener that
 * throws is counted ({@link io.flowkit.TrackerStats#listenerFailures()}) and logged once, and the
 * others still run: one bad listener never stops the tracker or starves the rest.
 */
final class Listeners {
    private static final Logger LOG = LoggerFactory.getLogger(Listeners.class);

    private final ConnectionListener[] listeners;
    private long failures;

    Listeners(List<ConnectionListener> listeners) {
        this.listeners = listeners.toArray(new ConnectionListener[0]);
    }

    /** Hands a finished record to every listener. */
    void closed(Connection connection) {
        for (ConnectionListener l : listeners) {
            try {
                l.onConnectionClosed(connection);
            } catch (RuntimeException e) {
                failed(l, e);
            }
        }
    }

    /** Hands a progress snapshot of a connection still open to every listener. */
    void progress(Connection snapshot) {
        for (ConnectionListener l : listeners) {
            try {
                l.onConnectionProgress(snapshot);
            } catch (RuntimeException e) {
                failed(l, e);
            }
        }
    }

    private void failed(ConnectionListener l, RuntimeException e) {
        if (failures++ == 0) {
            LOG.warn("connection listener {} threw; counting further failures in TrackerStats.listenerFailures", l, e);
        }
    }

    /** @return exceptions thrown by listeners so far */
    long failures() {
        return failures;
    }
}
