package io.flowkit;

import java.util.Arrays;
import java.util.Objects;

/**
 * A snapshot of a tracker's counters, from {@link FlowTracker#stats()}. Immutable.
 *
 * <p>Every frame handed to the tracker is either decoded ({@link #packets()} counts all frames,
 * {@link #skippedTotal()} those skipped) or skipped for exactly one {@link SkipReason}.
 */
public final class TrackerStats {
    private final long packets;
    private final long bytes;
    private final long[] skipped;
    private final long badChecksums;
    private final long fragments;
    private final long reassembledDatagrams;
    private final long reassembliesDropped;
    private final long connectionsCreated;
    private final long connectionsClosed;
    private final long connectionsEvicted;
    private final long connectionsActive;
    private final long connectionsPeak;
    private final long listenerFailures;
    private final long pendingActive;
    private final long pendingPeak;
    private final long pendingPromotions;
    private final long pendingExpiries;
    private final long pendingEvictions;
    private final long[] evictions;
    private final long[] boundReached;
    private final long resumeLinks;
    private final long resumeDropped;
    private final long resumeExpired;

    private TrackerStats(Builder b) {
        this.packets = b.packets;
        this.bytes = b.bytes;
        this.skipped = b.skipped.clone();
        this.badChecksums = b.badChecksums;
        this.fragments = b.fragments;
        this.reassembledDatagrams = b.reassembledDatagrams;
        this.reassembliesDropped = b.reassembliesDropped;
        this.connectionsCreated = b.connectionsCreated;
        this.connectionsClosed = b.connectionsClosed;
        this.connectionsEvicted = b.connectionsEvicted;
        this.connectionsActive = b.connectionsActive;
        this.connectionsPeak = b.connectionsPeak;
        this.listenerFailures = b.listenerFailures;
        this.pendingActive = b.pendingActive;
        this.pendingPeak = b.pendingPeak;
        this.pendingPromotions = b.pendingPromotions;
        this.pendingExpiries = b.pendingExpiries;
        this.pendingEvictions = b.pendingEvictions;
        this.evictions = b.evictions.clone();
        this.boundReached = b.boundReached.clone();
        this.resumeLinks = b.resumeLinks;
        this.resumeDropped = b.resumeDropped;
        this.resumeExpired = b.resumeExpired;
    }

    /**
     * Returns a builder; used by tracker implementations.
     *
     * @return a builder with every counter zero
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * @return frames handed to the tracker
     */
    public long packets() {
        return packets;
    }

    /**
     * @return captured bytes of those frames
     */
    public long bytes() {
        return bytes;
    }

    /**
     * Returns how many frames were skipped for one reason.
     *
     * @param reason the reason
     * @return the count
     */
    public long skipped(SkipReason reason) {
        return skipped[reason.ordinal()];
    }

    /**
     * @return frames skipped for any reason
     */
    public long skippedTotal() {
        long sum = 0;
        for (long s : skipped) {
            sum += s;
        }
        return sum;
    }

    /**
     * Returns the packets with a bad TCP, UDP or ICMP checksum. Like Zeek, such packets add a
     * {@code C}/{@code c} history letter to their connection and are otherwise ignored.
     *
     * @return the count
     */
    public long badChecksums() {
        return badChecksums;
    }

    /**
     * Returns the IP fragments seen. Each is also counted as skipped, under
     * {@link SkipReason#FRAGMENT_HELD} or {@link SkipReason#BAD_FRAGMENT}, except the one that
     * completes a datagram: that frame is processed as the whole datagram.
     *
     * @return the count
     */
    public long fragments() {
        return fragments;
    }

    /**
     * Returns the datagrams reassembled from fragments and processed.
     *
     * @return the count
     */
    public long reassembledDatagrams() {
        return reassembledDatagrams;
    }

    /**
     * Returns the fragmented datagrams given up before they completed: timed out, dropped as
     * the oldest when reassembly memory was full, or torn into too many pieces. A steadily
     * growing count under normal traffic means fragments are being lost or forged.
     *
     * @return the count
     */
    public long reassembliesDropped() {
        return reassembliesDropped;
    }

    /**
     * @return connections created
     */
    public long connectionsCreated() {
        return connectionsCreated;
    }

    /**
     * @return connection records delivered to the listeners (evictions included)
     */
    public long connectionsClosed() {
        return connectionsClosed;
    }

    /**
     * @return connections removed early because the table was at its bound
     */
    public long connectionsEvicted() {
        return connectionsEvicted;
    }

    /**
     * @return connections tracked right now
     */
    public long connectionsActive() {
        return connectionsActive;
    }

    /**
     * @return the most connections tracked at once
     */
    public long connectionsPeak() {
        return connectionsPeak;
    }

    /**
     * @return exceptions thrown by listeners, caught and counted
     */
    public long listenerFailures() {
        return listenerFailures;
    }

    /**
     * @return connections in the compressor's pending table right now (0 without a compressor)
     */
    public long pendingActive() {
        return pendingActive;
    }

    /**
     * @return the most connections pending at once
     */
    public long pendingPeak() {
        return pendingPeak;
    }

    /**
     * @return pending connections promoted to full entries by a second packet
     */
    public long pendingPromotions() {
        return pendingPromotions;
    }

    /**
     * @return pending connections that left unanswered when their timers fired or at end of input
     */
    public long pendingExpiries() {
        return pendingExpiries;
    }

    /**
     * @return pending connections evicted at the compressor's bound (also counted in connectionsEvicted)
     */
    public long pendingEvictions() {
        return pendingEvictions;
    }

    /**
     * Returns how many entries were evicted to stay within one bound: connections for
     * {@link Bound#CONNECTIONS} (pending ones not included), pending connections for
     * {@link Bound#PENDING} (the same as {@link #pendingEvictions()}), datagrams in reassembly for
     * {@link Bound#FRAGMENTS}, sources for {@link Bound#SCAN_SOURCES}.
     *
     * @param bound the bound
     * @return the count
     */
    public long evictions(Bound bound) {
        return evictions[bound.ordinal()];
    }

    /**
     * Returns how many times a bound started evicting (the calls a {@link BoundListener} gets,
     * counted whether or not one is registered).
     *
     * @param bound the bound
     * @return the count
     */
    public long boundReached(Bound bound) {
        return boundReached[bound.ordinal()];
    }

    /**
     * Returns the records linked to an earlier record of their session (their
     * {@link Connection#resumedFrom()} is set); 0 unless {@link FlowTracker.Builder#linkResumed}
     * is on.
     *
     * @return the count
     */
    public long resumeLinks() {
        return resumeLinks;
    }

    /**
     * Returns the remembered expired connections dropped, stalest first, to stay within
     * {@link FlowTracker.Builder#resumeCapacity(int)}: a continuation of one of them is no longer
     * linked.
     *
     * @return the count
     */
    public long resumeDropped() {
        return resumeDropped;
    }

    /**
     * Returns the remembered expired connections forgotten because their last packet was longer
     * ago than the horizon of {@link FlowTracker.Builder#linkResumed}.
     *
     * @return the count
     */
    public long resumeExpired() {
        return resumeExpired;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof TrackerStats)) {
            return false;
        }
        TrackerStats t = (TrackerStats) o;
        return packets == t.packets && bytes == t.bytes && Arrays.equals(skipped, t.skipped)
                && badChecksums == t.badChecksums && fragments == t.fragments
                && reassembledDatagrams == t.reassembledDatagrams && reassembliesDropped == t.reassembliesDropped
                && connectionsCreated == t.connectionsCreated
                && connectionsClosed == t.connectionsClosed && connectionsEvicted == t.connectionsEvicted
                && connectionsActive == t.connectionsActive && connectionsPeak == t.connectionsPeak
                && listenerFailures == t.listenerFailures && pendingActive == t.pendingActive && pendingPeak == t.pendingPeak && pendingPromotions == t.pendingPromotions && pendingExpiries == t.pendingExpiries && pendingEvictions == t.pendingEvictions
                && resumeLinks == t.resumeLinks && resumeDropped == t.resumeDropped && resumeExpired == t.resumeExpired
                && Arrays.equals(evictions, t.evictions) && Arrays.equals(boundReached, t.boundReached);
    }

    @Override
    public int hashCode() {
        return Objects.hash(packets, bytes, Arrays.hashCode(skipped), badChecksums, fragments, reassembledDatagrams,
                reassembliesDropped, connectionsCreated,
                connectionsClosed, connectionsEvicted, connectionsActive, connectionsPeak, listenerFailures,
                pendingActive, pendingPeak, pendingPromotions, pendingExpiries, pendingEvictions, resumeLinks, resumeDropped,
                resumeExpired, Arrays.hashCode(evictions), Arrays.hashCode(boundReached));
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("TrackerStats{packets=").append(packets).append(", bytes=").append(bytes);
        for (SkipReason r : SkipReason.values()) {
            if (skipped[r.ordinal()] != 0) {
                sb.append(", skipped.").append(r.name().toLowerCase(java.util.Locale.ROOT)).append('=')
                        .append(skipped[r.ordinal()]);
            }
        }
        sb.append(", badChecksums=").append(badChecksums)
                .append(", fragments=").append(fragments)
                .append(", reassembledDatagrams=").append(reassembledDatagrams)
                .append(", reassembliesDropped=").append(reassembliesDropped)
                .append(", connectionsCreated=").append(connectionsCreated)
                .append(", connectionsClosed=").append(connectionsClosed)
                .append(", connectionsEvicted=").append(connectionsEvicted)
                .append(", connectionsActive=").append(connectionsActive)
                .append(", connectionsPeak=").append(connectionsPeak)
                .append(", listenerFailures=").append(listenerFailures)
                .append(", pendingActive=").append(pendingActive)
                .append(", pendingPeak=").append(pendingPeak)
                .append(", pendingPromotions=").append(pendingPromotions)
                .append(", pendingExpiries=").append(pendingExpiries)
                .append(", pendingEvictions=").append(pendingEvictions)
                .append(", resumeLinks=").append(resumeLinks)
                .append(", resumeDropped=").append(resumeDropped)
                .append(", resumeExpired=").append(resumeExpired);
        for (Bound bd : Bound.values()) {
            String name = bd.name().toLowerCase(java.util.Locale.ROOT);
            sb.append(", evictions.").append(name).append('=').append(evictions[bd.ordinal()])
                    .append(", boundReached.").append(name).append('=').append(boundReached[bd.ordinal()]);
        }
        return sb.append('}').toString();
    }

    /** Collects counters into a {@link TrackerStats}; not thread-safe. */
    public static final class Builder {
        private long packets;
        private long bytes;
        private final long[] skipped = new long[SkipReason.values().length];
        private long badChecksums;
        private long fragments;
        private long reassembledDatagrams;
        private long reassembliesDropped;
        private long connectionsCreated;
        private long connectionsClosed;
        private long connectionsEvicted;
        private long connectionsActive;
        private long connectionsPeak;
        private long listenerFailures;
        private long pendingActive;
        private long pendingPeak;
        private long pendingPromotions;
        private long pendingExpiries;
        private long pendingEvictions;
        private final long[] evictions = new long[Bound.values().length];
        private final long[] boundReached = new long[Bound.values().length];
        private long resumeLinks;
        private long resumeDropped;
        private long resumeExpired;

        private Builder() {
        }

        /**
         * @param v frames handed to the tracker
         * @return this
         */
        public Builder packets(long v) {
            packets = v;
            return this;
        }

        /**
         * @param v captured bytes
         * @return this
         */
        public Builder bytes(long v) {
            bytes = v;
            return this;
        }

        /**
         * @param reason the reason
         * @param v frames skipped for it
         * @return this
         */
        public Builder skipped(SkipReason reason, long v) {
            skipped[reason.ordinal()] = v;
            return this;
        }

        /**
         * @param v packets with bad transport checksums
         * @return this
         */
        public Builder badChecksums(long v) {
            badChecksums = v;
            return this;
        }

        /**
         * @param v IP fragments seen
         * @return this
         */
        public Builder fragments(long v) {
            fragments = v;
            return this;
        }

        /**
         * @param v datagrams reassembled and processed
         * @return this
         */
        public Builder reassembledDatagrams(long v) {
            reassembledDatagrams = v;
            return this;
        }

        /**
         * @param v fragmented datagrams given up before completion
         * @return this
         */
        public Builder reassembliesDropped(long v) {
            reassembliesDropped = v;
            return this;
        }

        /**
         * @param v connections created
         * @return this
         */
        public Builder connectionsCreated(long v) {
            connectionsCreated = v;
            return this;
        }

        /**
         * @param v records delivered
         * @return this
         */
        public Builder connectionsClosed(long v) {
            connectionsClosed = v;
            return this;
        }

        /**
         * @param v connections evicted
         * @return this
         */
        public Builder connectionsEvicted(long v) {
            connectionsEvicted = v;
            return this;
        }

        /**
         * @param v connections tracked now
         * @return this
         */
        public Builder connectionsActive(long v) {
            connectionsActive = v;
            return this;
        }

        /**
         * @param v the most connections tracked at once
         * @return this
         */
        public Builder connectionsPeak(long v) {
            connectionsPeak = v;
            return this;
        }

        /**
         * @param v listener exceptions caught
         * @return this
         */
        public Builder listenerFailures(long v) {
            listenerFailures = v;
            return this;
        }

        /**
         * @param v connections in the compressor's pending table right now (0 without a compressor)
         * @return this
         */
        public Builder pendingActive(long v) {
            pendingActive = v;
            return this;
        }

        /**
         * @param v the most connections pending at once
         * @return this
         */
        public Builder pendingPeak(long v) {
            pendingPeak = v;
            return this;
        }

        /**
         * @param v pending connections promoted to full entries by a second packet
         * @return this
         */
        public Builder pendingPromotions(long v) {
            pendingPromotions = v;
            return this;
        }

        /**
         * @param v pending connections that left unanswered when their timers fired or at end of input
         * @return this
         */
        public Builder pendingExpiries(long v) {
            pendingExpiries = v;
            return this;
        }

        /**
         * @param v pending connections evicted at the compressor's bound (also counted in connectionsEvicted)
         * @return this
         */
        public Builder pendingEvictions(long v) {
            pendingEvictions = v;
            return this;
        }

        /**
         * @param bound the bound
         * @param v     entries evicted to stay within it
         * @return this
         */
        public Builder evictions(Bound bound, long v) {
            evictions[bound.ordinal()] = v;
            return this;
        }

        /**
         * @param v records linked to an earlier record of their session
         * @return this
         */
        public Builder resumeLinks(long v) {
            resumeLinks = v;
            return this;
        }

        /**
         * @param bound the bound
         * @param v     times it started evicting
         * @return this
         */
        public Builder boundReached(Bound bound, long v) {
            boundReached[bound.ordinal()] = v;
            return this;
        }

        /**
         * @param v remembered expired connections dropped at the resume capacity
         * @return this
         */
        public Builder resumeDropped(long v) {
            resumeDropped = v;
            return this;
        }

        /**
         * @param v remembered expired connections forgotten after the resume horizon
         * @return this
         */
        public Builder resumeExpired(long v) {
            resumeExpired = v;
            return this;
        }

        /**
         * @return the snapshot
         */
        public TrackerStats build() {
            return new TrackerStats(this);
        }
    }
}
