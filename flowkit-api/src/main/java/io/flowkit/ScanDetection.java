package io.flowkit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Scan-detection settings for a {@link FlowTracker}. Immutable; build with {@link #builder()}.
 *
 * <p>Only originators scan: an attempt is an originator's connection to a (host, port), failed
 * when it got no answer, was rejected, or drew an ICMP unreachable, successful when established.
 * Replies never count. Four detectors watch the attempts of each source:
 * <ul>
 *   <li><b>address scan</b>: distinct hosts attempted within the window (default 25 in 5 min);</li>
 *   <li><b>port scan</b>: distinct ports attempted on one host (default 15 in 5 min);</li>
 *   <li><b>per-port address scan</b>: distinct hosts attempted on one port (default 100, per-port
 *       overrides);</li>
 *   <li><b>Threshold Random Walk</b> (Jung, Paxson, Berger, Balakrishnan, IEEE S&amp;P 2004): a
 *       sequential hypothesis test over the outcomes of a source's first contacts.</li>
 * </ul>
 * Per-source state is bounded in count and in bytes by {@link Builder#maxSources(int)}; at the
 * bound a source is forgotten, preferring sources seen rarely. A source seen making one attempt
 * costs one slot of a fixed table, so a flood of spoofed one-packet sources evicts itself rather
 * than a scanner that keeps probing.
 */
public final class ScanDetection {
    private final boolean addressScan;
    private final int addressScanThreshold;
    private final boolean portScan;
    private final int portScanThreshold;
    private final boolean portAddressScan;
    private final int portAddressScanThreshold;
    private final Map<PortKey, Integer> portAddressScanThresholds;
    private final Duration window;
    private final boolean trw;
    private final double trwTheta0;
    private final double trwTheta1;
    private final double trwAlpha;
    private final double trwBeta;
    private final Duration suppressionInterval;
    private final List<IpNetwork> allowedSources;
    private final List<IpNetwork> allowedDestinations;
    private final Set<PortKey> allowedPorts;
    private final int maxSources;

    private ScanDetection(Builder b) {
        addressScan = b.addressScan;
        addressScanThreshold = b.addressScanThreshold;
        portScan = b.portScan;
        portScanThreshold = b.portScanThreshold;
        portAddressScan = b.portAddressScan;
        portAddressScanThreshold = b.portAddressScanThreshold;
        portAddressScanThresholds = Collections.unmodifiableMap(new LinkedHashMap<>(b.portAddressScanThresholds));
        window = b.window;
        trw = b.trw;
        trwTheta0 = b.trwTheta0;
        trwTheta1 = b.trwTheta1;
        trwAlpha = b.trwAlpha;
        trwBeta = b.trwBeta;
        suppressionInterval = b.suppressionInterval;
        allowedSources = List.copyOf(b.allowedSources);
        allowedDestinations = List.copyOf(b.allowedDestinations);
        allowedPorts = Set.copyOf(b.allowedPorts);
        maxSources = b.maxSources;
    }

    /**
     * Returns the default settings: every detector on, Zeek's last scan thresholds.
     *
     * @return the defaults
     */
    public static ScanDetection defaults() {
        return builder().build();
    }

    /**
     * Returns a builder starting from the defaults.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /** @return whether the address-scan detector runs */
    public boolean addressScan() {
        return addressScan;
    }

    /** @return distinct hosts that make an address scan */
    public int addressScanThreshold() {
        return addressScanThreshold;
    }

    /** @return whether the port-scan detector runs */
    public boolean portScan() {
        return portScan;
    }

    /** @return distinct ports on one host that make a port scan */
    public int portScanThreshold() {
        return portScanThreshold;
    }

    /** @return whether the per-port address-scan detector runs */
    public boolean portAddressScan() {
        return portAddressScan;
    }

    /** @return distinct hosts on one port that make a per-port address scan, for ports without an override */
    public int portAddressScanThreshold() {
        return portAddressScanThreshold;
    }

    /**
     * Returns the per-port address-scan threshold for a port.
     *
     * @param port the port
     * @return its override, or the default threshold
     */
    public int portAddressScanThreshold(PortKey port) {
        return portAddressScanThresholds.getOrDefault(port, portAddressScanThreshold);
    }

    /** @return the per-port overrides of the per-port address-scan threshold */
    public Map<PortKey, Integer> portAddressScanThresholds() {
        return portAddressScanThresholds;
    }

    /** @return the sliding window over which attempts are counted */
    public Duration window() {
        return window;
    }

    /** @return whether the Threshold Random Walk detector runs */
    public boolean trw() {
        return trw;
    }

    /** @return TRW's θ0: probability that a benign host's first contact succeeds */
    public double trwTheta0() {
        return trwTheta0;
    }

    /** @return TRW's θ1: probability that a scanner's first contact succeeds */
    public double trwTheta1() {
        return trwTheta1;
    }

    /** @return TRW's α: the false-positive bound */
    public double trwAlpha() {
        return trwAlpha;
    }

    /** @return TRW's β: the detection-probability bound */
    public double trwBeta() {
        return trwBeta;
    }

    /** @return the least time between two events of the same scanner, kind and port */
    public Duration suppressionInterval() {
        return suppressionInterval;
    }

    /** @return sources whose attempts are never counted */
    public List<IpNetwork> allowedSources() {
        return allowedSources;
    }

    /** @return destinations whose attempts are never counted */
    public List<IpNetwork> allowedDestinations() {
        return allowedDestinations;
    }

    /** @return destination ports whose attempts are never counted */
    public Set<PortKey> allowedPorts() {
        return allowedPorts;
    }

    /** @return the most sources with detector state at once */
    public int maxSources() {
        return maxSources;
    }

    /**
     * Builds {@link ScanDetection} settings. Every setter validates at once and throws
     * {@link IllegalArgumentException} naming the option and the bad value; {@link #build()}
     * checks the settings against each other.
     */
    public static final class Builder {
        private boolean addressScan = true;
        private int addressScanThreshold = 25;
        private boolean portScan = true;
        private int portScanThreshold = 15;
        private boolean portAddressScan = true;
        private int portAddressScanThreshold = 100;
        private final Map<PortKey, Integer> portAddressScanThresholds = new LinkedHashMap<>();
        private Duration window = Duration.ofMinutes(5);
        private boolean trw = true;
        private double trwTheta0 = 0.8;
        private double trwTheta1 = 0.2;
        private double trwAlpha = 0.01;
        private double trwBeta = 0.99;
        private Duration suppressionInterval = Duration.ofHours(1);
        private final List<IpNetwork> allowedSources = new ArrayList<>();
        private final List<IpNetwork> allowedDestinations = new ArrayList<>();
        private final List<PortKey> allowedPorts = new ArrayList<>();
        private int maxSources = 20_000;

        private Builder() {
        }

        /**
         * Turns the address-scan detector on or off (default on).
         *
         * @param enabled whether it runs
         * @return this
         */
        public Builder addressScan(boolean enabled) {
            addressScan = enabled;
            return this;
        }

        /**
         * Sets the distinct hosts that make an address scan (default 25).
         *
         * @param hosts at least 1
         * @return this
         */
        public Builder addressScanThreshold(int hosts) {
            addressScanThreshold = Checks.positive("addressScanThreshold", hosts);
            return this;
        }

        /**
         * Turns the port-scan detector on or off (default on).
         *
         * @param enabled whether it runs
         * @return this
         */
        public Builder portScan(boolean enabled) {
            portScan = enabled;
            return this;
        }

        /**
         * Sets the distinct ports on one host that make a port scan (default 15).
         *
         * @param ports at least 1
         * @return this
         */
        public Builder portScanThreshold(int ports) {
            portScanThreshold = Checks.positive("portScanThreshold", ports);
            return this;
        }

        /**
         * Turns the per-port address-scan detector on or off (default on).
         *
         * @param enabled whether it runs
         * @return this
         */
        public Builder portAddressScan(boolean enabled) {
            portAddressScan = enabled;
            return this;
        }

        /**
         * Sets the distinct hosts on one port that make a per-port address scan (default 100).
         *
         * @param hosts at least 1
         * @return this
         */
        public Builder portAddressScanThreshold(int hosts) {
            portAddressScanThreshold = Checks.positive("portAddressScanThreshold", hosts);
            return this;
        }

        /**
         * Overrides the per-port address-scan threshold for one port.
         *
         * @param port  the port, e.g. {@code PortKey.parse("5060/udp")}
         * @param hosts at least 1
         * @return this
         */
        public Builder portAddressScanThreshold(PortKey port, int hosts) {
            if (port == null) {
                throw new NullPointerException("portAddressScanThreshold: port");
            }
            portAddressScanThresholds.put(port, Checks.positive("portAddressScanThreshold(" + port + ")", hosts));
            return this;
        }

        /**
         * Sets the sliding window over which attempts are counted (default 5 minutes).
         *
         * @param window positive
         * @return this
         */
        public Builder window(Duration window) {
            this.window = Checks.positive("window", window);
            return this;
        }

        /**
         * Turns the Threshold Random Walk detector on or off (default on).
         *
         * @param enabled whether it runs
         * @return this
         */
        public Builder trw(boolean enabled) {
            trw = enabled;
            return this;
        }

        /**
         * Sets TRW's parameters as in the paper (defaults θ0 = 0.8, θ1 = 0.2, α = 0.01, β = 0.99).
         *
         * @param theta0 probability that a benign host's first contact succeeds
         * @param theta1 probability that a scanner's first contact succeeds, below {@code theta0}
         * @param alpha  bound on the false-positive probability
         * @param beta   bound on the detection probability, above {@code alpha}
         * @return this
         */
        public Builder trwParameters(double theta0, double theta1, double alpha, double beta) {
            trwTheta0 = Checks.probability("trw theta0", theta0);
            trwTheta1 = Checks.probability("trw theta1", theta1);
            trwAlpha = Checks.probability("trw alpha", alpha);
            trwBeta = Checks.probability("trw beta", beta);
            return this;
        }

        /**
         * Sets the least time between two events of one scanner, kind and port (default 1 hour).
         * Events in between are counted and reported with the next one.
         *
         * @param interval positive
         * @return this
         */
        public Builder suppressionInterval(Duration interval) {
            suppressionInterval = Checks.positive("suppressionInterval", interval);
            return this;
        }

        /**
         * Adds sources whose attempts are never counted.
         *
         * @param cidrs networks such as {@code 10.1.2.3/32}
         * @return this
         * @throws IllegalArgumentException if a network is malformed
         */
        public Builder allowSources(String... cidrs) {
            for (String c : cidrs) {
                allowedSources.add(IpNetwork.parse(c));
            }
            return this;
        }

        /**
         * Adds destinations whose attempts are never counted.
         *
         * @param cidrs networks such as {@code 10.0.0.0/24}
         * @return this
         * @throws IllegalArgumentException if a network is malformed
         */
        public Builder allowDestinations(String... cidrs) {
            for (String c : cidrs) {
                allowedDestinations.add(IpNetwork.parse(c));
            }
            return this;
        }

        /**
         * Adds destination ports whose attempts are never counted.
         *
         * @param ports ports such as {@code 53/udp}
         * @return this
         * @throws IllegalArgumentException if a port is malformed
         */
        public Builder allowPorts(String... ports) {
            for (String p : ports) {
                allowedPorts.add(PortKey.parse(p));
            }
            return this;
        }

        /**
         * Bounds the sources with detector state (default 20,000; a source scanning over two
         * transports counts twice) and, through them, the detectors' heap.
         *
         * <p>A source seen making a few attempts, too few failed ones for any detector to fire (up
         * to four attempts, three failed at the default thresholds), waits with them in a fixed
         * first-contact table of {@code Integer.highestOneBit(sources)} (at most 2^20) slots of
         * about 532 bytes (8.7 MB at the default); when a slot's set is full, a source there with
         * several attempts moves to full state, or else the source written longest ago is
         * forgotten. A source with more attempts gets full state: target sets that grow with its
         * distinct targets up to the thresholds. The full
         * states weigh their estimated heap, at least 1 KiB each, and together at most
         * {@code sources} KiB (20 MB at the default), or four times the largest state one source
         * can reach under these thresholds if that is more; at the bound a source is forgotten,
         * preferring sources seen rarely. A source's state is also forgotten a window after its
         * last attempt, unless one of its events is still suppressing repeats.
         *
         * @param sources at least 1
         * @return this
         */
        public Builder maxSources(int sources) {
            maxSources = Checks.positive("maxSources", sources);
            return this;
        }

        /**
         * Builds the settings.
         *
         * @return immutable settings
         * @throws IllegalArgumentException if TRW's θ1 is not below θ0 or α not below β
         */
        public ScanDetection build() {
            if (trwTheta1 >= trwTheta0) {
                throw new IllegalArgumentException("trw theta1 (" + trwTheta1 + ") must be below theta0 (" + trwTheta0 + ")");
            }
            if (trwAlpha >= trwBeta) {
                throw new IllegalArgumentException("trw alpha (" + trwAlpha + ") must be below beta (" + trwBeta + ")");
            }
            return new ScanDetection(this);
        }
    }
}
