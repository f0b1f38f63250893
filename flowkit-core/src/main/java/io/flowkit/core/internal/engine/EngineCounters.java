package io.flowkit.core.internal.engine;

import io.flowkit.Bound;
import io.flowkit.SkipReason;
import io.flowkit.TrackerStats;
import io.flowkit.core.internal.decode.Decoder;

/**
 * The counters of one {@link Engine} and its {@link Decoder} as a flat {@code long[]}, and how
 * they become {@link TrackerStats}: the one place that maps engine and decoder counters to
 * statistics, for {@link DefaultFlowTracker} (one engine) and {@link ShardedFlowTracker} (the sum
 * of its shards' arrays, published across threads). A counter added to the engine is added here
 * once.
 */
final class EngineCounters {
    static final int CREATED = 0;
    static final int CLOSED = 1;
    static final int EVICTED = 2;
    static final int ACTIVE = 3;
    static final int PEAK = 4;
    static final int PENDING_ACTIVE = 5;
    static final int PENDING_PEAK = 6;
    static final int PROMOTIONS = 7;
    static final int PENDING_EXPIRIES = 8;
    static final int PENDING_EVICTIONS = 9;
    static final int BAD_CHECKSUMS = 10;
    static final int FRAGMENTS = 11;
    static final int REASSEMBLED = 12;
    static final int REASSEMBLIES_DROPPED = 13;
    static final int RESUME_LINKS = 14;
    static final int RESUME_DROPPED = 15;
    static final int RESUME_EXPIRED = 16;
    static final int CONNECTION_EVICTIONS = 17;
    static final int CONNECTION_BOUND_REACHED = 18;
    static final int PENDING_BOUND_REACHED = 19;
    static final int FRAGMENT_EVICTIONS = 20;
    static final int FRAGMENT_BOUND_REACHED = 21;
    /** Skipped frames by reason follow, at {@code SKIPPED + reason.ordinal()}. */
    static final int SKIPPED = 22;
    /** {@code SkipReason.values()} copies its array on every call; this copy is made once. */
    private static final SkipReason[] REASONS = SkipReason.values();
    /** Length of a counters array. */
    static final int COUNT = SKIPPED + REASONS.length;

    private EngineCounters() {
    }

    /**
     * Overwrites {@code c} with the current counters of {@code engine} and {@code decoder}.
     *
     * @param c {@link #COUNT} counters
     */
    static void read(Engine engine, Decoder decoder, long[] c) {
        c[CREATED] = engine.created();
        c[CLOSED] = engine.closed();
        c[EVICTED] = engine.evicted();
        c[ACTIVE] = engine.active();
        c[PEAK] = engine.peak();
        c[PENDING_ACTIVE] = engine.pendingActive();
        c[PENDING_PEAK] = engine.pendingPeak();
        c[PROMOTIONS] = engine.promotions();
        c[PENDING_EXPIRIES] = engine.pendingExpiries();
        c[PENDING_EVICTIONS] = engine.pendingEvictions();
        c[BAD_CHECKSUMS] = decoder.badChecksums();
        c[FRAGMENTS] = decoder.fragments();
        c[REASSEMBLED] = decoder.reassembledDatagrams();
        c[REASSEMBLIES_DROPPED] = decoder.reassembliesDropped();
        c[RESUME_LINKS] = engine.resumeLinks();
        c[RESUME_DROPPED] = engine.resumeDropped();
        c[RESUME_EXPIRED] = engine.resumeExpired();
        c[CONNECTION_EVICTIONS] = engine.connectionEvictions();
        c[CONNECTION_BOUND_REACHED] = engine.connectionBoundReached();
        c[PENDING_BOUND_REACHED] = engine.pendingBoundReached();
        c[FRAGMENT_EVICTIONS] = decoder.fragmentGauge().evictions();
        c[FRAGMENT_BOUND_REACHED] = decoder.fragmentGauge().reached();
        for (SkipReason r : REASONS) {
            c[SKIPPED + r.ordinal()] = decoder.skipped(r);
        }
    }

    /**
     * Sets every statistic the counters hold on {@code b}: decoding, connections, compressor,
     * resume store, skips, and the connection, pending and fragment bounds. Frames, bytes, scan
     * sources and listener failures are the tracker's to set.
     *
     * @param c {@link #COUNT} counters
     * @param b the statistics being built
     * @return {@code b}
     */
    static TrackerStats.Builder toStats(long[] c, TrackerStats.Builder b) {
        b.badChecksums(c[BAD_CHECKSUMS]).fragments(c[FRAGMENTS])
                .reassembledDatagrams(c[REASSEMBLED]).reassembliesDropped(c[REASSEMBLIES_DROPPED])
                .connectionsCreated(c[CREATED]).connectionsClosed(c[CLOSED])
                .connectionsEvicted(c[EVICTED]).connectionsActive(c[ACTIVE]).connectionsPeak(c[PEAK])
                .pendingActive(c[PENDING_ACTIVE]).pendingPeak(c[PENDING_PEAK])
                .pendingPromotions(c[PROMOTIONS]).pendingExpiries(c[PENDING_EXPIRIES])
                .pendingEvictions(c[PENDING_EVICTIONS])
                .resumeLinks(c[RESUME_LINKS]).resumeDropped(c[RESUME_DROPPED]).resumeExpired(c[RESUME_EXPIRED])
                .evictions(Bound.CONNECTIONS, c[CONNECTION_EVICTIONS])
                .boundReached(Bound.CONNECTIONS, c[CONNECTION_BOUND_REACHED])
                .evictions(Bound.PENDING, c[PENDING_EVICTIONS])
                .boundReached(Bound.PENDING, c[PENDING_BOUND_REACHED])
                .evictions(Bound.FRAGMENTS, c[FRAGMENT_EVICTIONS])
                .boundReached(Bound.FRAGMENTS, c[FRAGMENT_BOUND_REACHED]);
        for (SkipReason r : REASONS) {
            b.skipped(r, c[SKIPPED + r.ordinal()]);
        }
        return b;
    }
}
