package io.flowkit.bench.gen;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;

/**
 * What {@link TrafficGenerator} writes: immutable, made by {@link #builder()}.
 *
 * <p>Generation stops at the first of {@link Builder#packets(long)} packets and
 * {@link Builder#duration(Duration)} of capture time; with neither set it stops after 1,000,000
 * packets.
 */
public final class GeneratorOptions {
    /** Default packet budget when neither packets nor duration is set. */
    public static final long DEFAULT_PACKETS = 1_000_000;

    private static final Map<FlowKind, Double> DEFAULT_MIX;

    static {
        Map<FlowKind, Double> m = new EnumMap<>(FlowKind.class);
        m.put(FlowKind.TCP_COMPLETE, 50.0);
        m.put(FlowKind.TCP_LONG_LIVED, 2.0);
        m.put(FlowKind.TCP_RESET_BY_ORIGINATOR, 5.0);
        m.put(FlowKind.TCP_REJECTED, 5.0);
        m.put(FlowKind.TCP_UNANSWERED, 5.0);
        m.put(FlowKind.UDP_REQUEST_RESPONSE, 22.0);
        m.put(FlowKind.UDP_ONE_WAY, 4.0);
        m.put(FlowKind.ICMP_ECHO, 7.0);
        DEFAULT_MIX = Collections.unmodifiableMap(m);
    }

    private final long seed;
    private final long packets;
    private final Duration duration;
    private final int concurrentFlows;
    private final Map<FlowKind, Double> mix;
    private final double ipv6Share;
    private final boolean scanners;
    private final long floodPackets;
    private final boolean synRetransmits;
    private final int maxSegmentSize;
    private final double fragmentShare;
    private final Path output;

    private GeneratorOptions(Builder b) {
        seed = b.seed;
        packets = b.packets == 0 && b.duration == null ? DEFAULT_PACKETS : b.packets;
        duration = b.duration;
        concurrentFlows = b.concurrentFlows;
        mix = Collections.unmodifiableMap(new EnumMap<>(b.mix));
        ipv6Share = b.ipv6Share;
        scanners = b.scanners;
        floodPackets = b.floodPackets;
        synRetransmits = b.synRetransmits;
        maxSegmentSize = b.maxSegmentSize;
        fragmentShare = b.fragmentShare;
        output = b.output;
    }

    /**
     * Returns a builder with the defaults: seed 1, 1,000 concurrent flows, the default mix, 10%
     * IPv6, no scanners, SYN retransmits on, MSS 1460.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /** @return the seed of the generator's random numbers */
    public long seed() {
        return seed;
    }

    /** @return the packet budget, or 0 when only the duration bounds the capture */
    public long packets() {
        return packets;
    }

    /** @return the capture-time budget, or {@code null} when only the packet budget bounds it */
    public Duration duration() {
        return duration;
    }

    /** @return how many ordinary flows are open at once */
    public int concurrentFlows() {
        return concurrentFlows;
    }

    /** @return the relative weight of each non-scan flow kind; absent kinds have weight 0 */
    public Map<FlowKind, Double> mix() {
        return mix;
    }

    /** @return the share of ordinary flows carried over IPv6, 0 to 1 */
    public double ipv6Share() {
        return ipv6Share;
    }

    /** @return spoofed flood SYNs added on top of the ordinary traffic (0: no flood) */
    public long floodPackets() {
        return floodPackets;
    }

    /** @return whether the address, port and block scanners run */
    public boolean scanners() {
        return scanners;
    }

    /** @return whether unanswered SYNs are retransmitted after 1 and 3 seconds */
    public boolean synRetransmits() {
        return synRetransmits;
    }

    /** @return the largest TCP segment and UDP payload, in bytes */
    public int maxSegmentSize() {
        return maxSegmentSize;
    }

    /** @return the share of UDP responses sent as a large datagram in IP fragments, 0 to 1 */
    public double fragmentShare() {
        return fragmentShare;
    }

    /** @return the capture file to write; the ground truth goes beside it */
    public Path output() {
        return output;
    }

    /**
     * Returns where the ground truth goes: the capture's path with a trailing {@code .pcap}
     * replaced by {@code .truth.tsv} (or {@code .truth.tsv} appended).
     *
     * @return the truth file's path
     */
    public Path truthOutput() {
        String name = output.getFileName().toString();
        String base = name.endsWith(".pcap") ? name.substring(0, name.length() - 5) : name;
        return output.resolveSibling(base + ".truth.tsv");
    }

    /** Builds {@link GeneratorOptions}; setters validate at once and throw {@link IllegalArgumentException}. */
    public static final class Builder {
        private long seed = 1;
        private long packets;
        private Duration duration;
        private int concurrentFlows = 1000;
        private final Map<FlowKind, Double> mix = new EnumMap<>(DEFAULT_MIX);
        private double ipv6Share = 0.1;
        private boolean scanners;
        private long floodPackets;
        private boolean synRetransmits = true;
        private int maxSegmentSize = 1460;
        private double fragmentShare;
        private Path output;

        private Builder() {
        }

        /**
         * Sets the seed: the same options and seed give byte-identical files.
         *
         * @param seed any value
         * @return this
         */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /**
         * Stops after this many packets.
         *
         * @param packets at least 1
         * @return this
         */
        public Builder packets(long packets) {
            if (packets < 1) {
                throw new IllegalArgumentException("packets must be at least 1: " + packets);
            }
            this.packets = packets;
            return this;
        }

        /**
         * Stops when capture time passes this much after the first packet.
         *
         * @param duration positive
         * @return this
         */
        public Builder duration(Duration duration) {
            if (duration == null || duration.isNegative() || duration.isZero()) {
                throw new IllegalArgumentException("duration must be positive: " + duration);
            }
            this.duration = duration;
            return this;
        }

        /**
         * Sets how many ordinary (non-scan) flows are open at any time: a flow that ends is
         * replaced by a new one.
         *
         * @param flows 1 to 50,000,000
         * @return this
         */
        public Builder concurrentFlows(int flows) {
            if (flows < 1 || flows > 50_000_000) {
                throw new IllegalArgumentException("concurrentFlows must be 1..50000000: " + flows);
            }
            this.concurrentFlows = flows;
            return this;
        }

        /**
         * Sets the relative weight of one flow kind among new flows.
         *
         * @param kind   a kind that is not a scan probe
         * @param weight 0 (never) or more
         * @return this
         */
        public Builder mix(FlowKind kind, double weight) {
            if (kind == null || kind.isScanProbe()) {
                throw new IllegalArgumentException("mix: scan probes are switched on with scanners(true), not mixed: " + kind);
            }
            if (!(weight >= 0) || Double.isInfinite(weight)) {
                throw new IllegalArgumentException("mix weight of " + kind + " must be finite and >= 0: " + weight);
            }
            mix.put(kind, weight);
            return this;
        }

        /**
         * Sets the share of ordinary flows carried over IPv6 (default 0.1).
         *
         * @param share 0 to 1
         * @return this
         */
        public Builder ipv6Share(double share) {
            if (!(share >= 0 && share <= 1)) {
                throw new IllegalArgumentException("ipv6Share must be 0..1: " + share);
            }
            this.ipv6Share = share;
            return this;
        }

        /**
         * Switches the scanners on: a horizontal sweep of one port over a /24, a vertical scan
         * of 100 ports of one host, and a block scan of 8 ports on 8 hosts, all starting in the
         * capture's first seconds.
         *
         * @param on {@code true} to add them
         * @return this
         */
        public Builder scanners(boolean on) {
            this.scanners = on;
            return this;
        }

        /**
         * Adds a SYN flood: {@code n} SYNs from random spoofed sources in 172.16.0.0/12 (random
         * source ports, to port 80 of the ordinary servers), spread evenly between the ordinary
         * packets and written at their timestamps. The flood draws from a random stream of its
         * own and is not in the truth file: the ordinary packets, and so their truth, are
         * identical with and without it. Needs a packet budget ({@link #packets(long)}), which
         * then counts ordinary packets only.
         *
         * @param n flood SYNs, 0 for none
         * @return this
         */
        public Builder floodPackets(long n) {
            if (n < 0) {
                throw new IllegalArgumentException("floodPackets must be at least 0: " + n);
            }
            this.floodPackets = n;
            return this;
        }

        /**
         * Sets whether unanswered SYNs are retransmitted after 1 and 3 seconds, as TCP stacks
         * do; both fall inside Zeek's 5-second attempt timeout, so they stay in one connection.
         *
         * @param on {@code true} (the default) to retransmit
         * @return this
         */
        public Builder synRetransmits(boolean on) {
            this.synRetransmits = on;
            return this;
        }

        /**
         * Caps TCP segments and UDP payloads (default 1460, Ethernet's TCP MSS); smaller values
         * make smaller files.
         *
         * @param bytes 64 to 1460
         * @return this
         */
        public Builder maxSegmentSize(int bytes) {
            if (bytes < 64 || bytes > 1460) {
                throw new IllegalArgumentException("maxSegmentSize must be 64..1460: " + bytes);
            }
            this.maxSegmentSize = bytes;
            return this;
        }

        /**
         * Sends this share of the UDP responses of request/response flows as one datagram of
         * 1,473 to 8,192 payload bytes (an EDNS DNS answer, an NFS read) cut into IP fragments
         * for a 1500-byte MTU, all written at the response's time; the truth counts each such
         * datagram once, with its whole IP length, as reassembly delivers it. Default 0: no
         * fragments, and the capture is the same as before this option existed. A datagram's
         * fragments are written together, so a capture may exceed {@link #packets(long)} by a
         * few frames.
         *
         * @param share 0 to 1
         * @return this
         */
        public Builder fragmentShare(double share) {
            if (!(share >= 0 && share <= 1)) {
                throw new IllegalArgumentException("fragmentShare must be 0..1: " + share);
            }
            this.fragmentShare = share;
            return this;
        }

        /**
         * Sets the capture file to write.
         *
         * @param path the pcap file; the truth file goes beside it
         * @return this
         */
        public Builder output(Path path) {
            if (path == null || path.getFileName() == null) {
                throw new IllegalArgumentException("output must name a file: " + path);
            }
            this.output = path;
            return this;
        }

        /**
         * Builds the options.
         *
         * @return the options
         * @throws IllegalArgumentException if no output is set or every mix weight is 0
         */
        public GeneratorOptions build() {
            if (output == null) {
                throw new IllegalArgumentException("output is required");
            }
            if (floodPackets > 0 && packets == 0 && duration != null) {
                throw new IllegalArgumentException("floodPackets needs a packet budget (packets)");
            }
            double total = 0;
            for (double w : mix.values()) {
                total += w;
            }
            if (!(total > 0)) {
                throw new IllegalArgumentException("mix: at least one flow kind needs a positive weight");
            }
            return new GeneratorOptions(this);
        }
    }
}
