package io.flowkit;

import java.time.Duration;
import java.util.Optional;

/**
 * Settings of the connection compressor, in the spirit of Bro's {@code ConnCompressor}: a
 * compact table for connections whose responder has not replied yet, so that scan probes and
 * SYN floods do not each take a full connection entry.
 *
 * <p>A connection whose first packet qualifies (see {@link Builder#handleOnlySyns(boolean)},
 * {@link Builder#handleResets(boolean)}, {@link Builder#instantiateOnData(boolean)}) is kept as one
 * pending entry holding that packet's key, time and TCP header fields. The next packet of the
 * connection, from either side, promotes it to a full connection entry by replaying the stored
 * packet first, so the conn.log record is identical to the one an uncompressed tracker gives.
 * An entry that is never answered leaves at the time its attempt or inactivity timer would have
 * fired, with the same record (typically {@code S0}) and uid an uncompressed tracker gives. Only
 * the order of records can differ: when a pending and a full connection come due in one step of
 * network time, the pending one's record comes first. A pending IPv4 entry takes about 47 bytes.
 *
 * <p>The pending table has its own bound, {@link Builder#maxPendingConnections(int)}; at the bound
 * the stalest pending entry leaves as a record with {@link CloseReason#EVICTED}, and
 * {@link Bound#PENDING} is reported to the {@link BoundListener}s. It has its own timeout too,
 * {@link Builder#pendingTimeout(Duration)}. Immutable and thread-safe.
 */
public final class Compressor {
    private static final Compressor DEFAULTS = builder().build();

    private final boolean handleOnlySyns;
    private final boolean handleResets;
    private final boolean instantiateOnData;
    private final int maxPendingConnections;
    private final Duration pendingTimeout;

    private Compressor(Builder b) {
        handleOnlySyns = b.handleOnlySyns;
        handleResets = b.handleResets;
        instantiateOnData = b.instantiateOnData;
        maxPendingConnections = b.maxPendingConnections;
        pendingTimeout = b.pendingTimeout;
    }

    /**
     * Returns the default settings: only SYNs are compressed, resets and data go to the full
     * table, at most 1,000,000 pending entries.
     *
     * @return the defaults
     */
    public static Compressor defaults() {
        return DEFAULTS;
    }

    /**
     * Starts new settings from the defaults.
     *
     * @return a builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /** @return whether only a TCP SYN (without ACK) may start a pending entry */
    public boolean handleOnlySyns() {
        return handleOnlySyns;
    }

    /** @return whether a TCP first packet with RST may start a pending entry */
    public boolean handleResets() {
        return handleResets;
    }

    /** @return whether a first packet carrying payload goes straight to the full table */
    public boolean instantiateOnData() {
        return instantiateOnData;
    }

    /** @return the bound on pending entries */
    public int maxPendingConnections() {
        return maxPendingConnections;
    }

    /**
     * Returns the pending timeout set with {@link Builder#pendingTimeout(Duration)}.
     *
     * @return the timeout, or empty for the tracker's {@link FlowTracker.Builder#tcpAttemptTimeout(Duration)}
     */
    public Optional<Duration> pendingTimeout() {
        return Optional.ofNullable(pendingTimeout);
    }

    @Override
    public String toString() {
        return "Compressor[handleOnlySyns=" + handleOnlySyns + ", handleResets=" + handleResets
                + ", instantiateOnData=" + instantiateOnData + ", maxPendingConnections=" + maxPendingConnections
                + ", pendingTimeout=" + (pendingTimeout == null ? "attempt timeout" : pendingTimeout) + "]";
    }

    /** Builds {@link Compressor} settings; each option is checked when set. Not thread-safe. */
    public static final class Builder {
        private boolean handleOnlySyns = true;
        private boolean handleResets;
        private boolean instantiateOnData;
        private int maxPendingConnections = 1_000_000;
        private Duration pendingTimeout;

        private Builder() {
        }

        /**
         * Whether only a TCP SYN without ACK may start a pending entry (default {@code true}, as
         * Bro's {@code cc_handle_only_syns}). When {@code false}, any TCP first packet may, for
         * example the ACKs of an ACK scan.
         *
         * @param only whether to compress only SYNs
         * @return this
         */
        public Builder handleOnlySyns(boolean only) {
            handleOnlySyns = only;
            return this;
        }

        /**
         * Whether a first packet with RST may start a pending entry when
         * {@link #handleOnlySyns(boolean)} is off (default {@code false}, as Bro's
         * {@code cc_handle_resets}): backscatter of resets then costs no full entries.
         *
         * @param handle whether to compress first resets
         * @return this
         */
        public Builder handleResets(boolean handle) {
            handleResets = handle;
            return this;
        }

        /**
         * Whether a first packet carrying payload goes straight to the full table (default
         * {@code false}, as Bro's {@code cc_instantiate_on_data}): set it when connections that
         * send data should always have a full entry from their first packet.
         *
         * @param instantiate whether payload skips the pending table
         * @return this
         */
        public Builder instantiateOnData(boolean instantiate) {
            instantiateOnData = instantiate;
            return this;
        }

        /**
         * Bounds the pending entries (default 1,000,000); at the bound the stalest leaves with
         * {@link CloseReason#EVICTED} and {@link Bound#PENDING} is reported. A pending IPv4 entry
         * takes about 47 bytes of heap at the bound (IPv6: about 85), measured with 1,000,000
         * entries; plan for 48 bytes per entry of the bound (the default: about 48 MB), plus the
         * old arrays for a moment while the table doubles.
         *
         * @param max at least 1
         * @return this
         */
        public Builder maxPendingConnections(int max) {
            maxPendingConnections = Checks.positive("maxPendingConnections", max);
            return this;
        }

        /**
         * Sets how long an unanswered entry stays pending (default: the tracker's
         * {@link FlowTracker.Builder#tcpAttemptTimeout(Duration)}, 5 seconds unless changed).
         *
         * <p>An entry leaves at its pending timeout or at the first timer its connection would have
         * had in the full table, whichever comes first. At the default it is always the latter, so
         * every record is the one an uncompressed tracker gives. A shorter timeout frees pending
         * entries sooner under a flood (pending memory scales with arrival rate times this
         * timeout) at a price: an attempt leaves with its record ({@code S0} for a SYN,
         * {@link CloseReason#INACTIVITY_TIMEOUT}) at this timeout, and a reply that arrives later
         * starts a connection of its own, as in Bro's connection compressor. A longer timeout
         * than the default changes nothing: the connection's own timer still fires first.
         *
         * @param timeout positive
         * @return this
         */
        public Builder pendingTimeout(Duration timeout) {
            pendingTimeout = Checks.positive("pendingTimeout", timeout);
            return this;
        }

        /**
         * Builds the settings.
         *
         * @return immutable settings
         */
        public Compressor build() {
            return new Compressor(this);
        }
    }
}
