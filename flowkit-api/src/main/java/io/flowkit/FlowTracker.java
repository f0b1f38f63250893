package io.flowkit;

import io.flowkit.spi.FlowTrackerProvider;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.Set;

/**
 * Turns frames into connection records and scan events.
 *
 * <pre>{@code
 * FlowTracker tracker = FlowTracker.builder()
 *     .tcpInactivityTimeout(Duration.ofMinutes(5))
 *     .maxConnections(1_000_000)
 *     .localNetworks("10.0.0.0/8", "2001:db8::/32")
 *     .scanDetection(ScanDetection.builder().addressScanThreshold(25).build())
 *     .connectionListener(conn -> System.out.println(conn.uid() + " " + conn.state()))
 *     .scanListener(event -> alert(event))
 *     .build();
 * try (PacketSource source = PcapFile.open(path)) {   // flowkit-pcap
 *     tracker.run(source);
 * }
 * tracker.close();   // flushes every open connection to the listeners
 * }</pre>
 *
 * <p><b>Threading.</b> A tracker is not thread-safe: one thread at a time calls
 * {@link #onFrame}, {@link #run}, {@link #advanceTime} and {@link #close}, and the listeners run
 * on that thread inside those calls. {@link #stats()} may be called from that thread only. This
 * holds with {@link Builder#threads(int)} above 1 as well: the connection engine then runs on
 * worker threads, but records and scan events are still handed to the listeners on the calling
 * thread, inside those same calls, so listener code never needs to be thread-safe.
 *
 * <p><b>Time.</b> Frame timestamps drive every timeout (network time). Timers due before a frame
 * fire before the frame is processed, as in Zeek, so records leave in Zeek's order. A frame
 * older than the current network time is processed but does not move time back.
 *
 * <p><b>Bad input.</b> A frame that does not decode is counted in {@link TrackerStats} by
 * {@link SkipReason} and skipped; it never throws and never disturbs connections already tracked.
 *
 * <p><b>Memory.</b> The connection table never holds more than
 * {@link Builder#maxConnections(int)} connections; at the bound the connection due to time out
 * soonest is evicted and reported with {@link CloseReason#EVICTED}; so is every other table (see {@link Bound}), and a
 * {@link BoundListener} hears when a bound starts evicting. Measured at the default bounds
 * (IPv4): connections 250,000 x about 145 bytes (TCP; UDP and ICMP about 97), fragment
 * reassembly about 4.3 MB, scan state at most about 24 MB (bounded in bytes, see
 * {@link ScanDetection.Builder#maxSources(int)}), and with the compressor 1,000,000 pending
 * entries x about 47 bytes: a default tracker holds at most about 65 MB of heap, about 112 MB
 * with the compressor, so it fits {@code -Xmx256m} with room for the old arrays while a table
 * doubles.
 */
public interface FlowTracker extends FrameHandler, AutoCloseable {

    /**
     * Returns a builder with Zeek's defaults.
     *
     * @return a new builder
     */
    static Builder builder() {
        return new Builder();
    }

    /**
     * Processes one frame. See {@link FrameHandler#onFrame}.
     *
     * @throws IllegalStateException if the tracker is closed
     */
    @Override
    void onFrame(long timestampNanos, int linkType, java.nio.ByteBuffer buffer, int offset, int captureLength,
                 int wireLength);

    /**
     * Advances network time without a frame, firing the timers due by then. Times earlier than
     * the current network time are ignored.
     *
     * @param timestampNanos nanoseconds since the Unix epoch
     * @throws IllegalStateException if the tracker is closed
     */
    @Override
    void advanceTime(long timestampNanos);

    /**
     * Feeds every frame of {@code source} to this tracker, until the source's end of input. The
     * source is not closed, and neither is the tracker: run several sources one after another
     * to process them as one timeline, then {@link #close()}.
     *
     * @param source where the frames come from
     * @throws IOException           what the source throws; frames before it stay processed
     * @throws IllegalStateException if the tracker is closed
     */
    void run(PacketSource source) throws IOException;

    /**
     * Returns the current network time: the latest frame timestamp or advanced time.
     *
     * @return nanoseconds since the Unix epoch, or 0 before the first frame
     */
    long networkTimeNanos();

    /**
     * Returns a snapshot of the counters.
     *
     * @return the counters now
     */
    TrackerStats stats();

    /**
     * Ends the input: every connection still open is delivered to the listeners with
     * {@link CloseReason#END_OF_INPUT}, in Zeek's end-of-input order. Idempotent.
     */
    @Override
    void close();

    /**
     * Configures and builds a {@link FlowTracker}. Setters validate at once and throw
     * {@link IllegalArgumentException} naming the option and the bad value; {@link #build()}
     * checks them against each other. Defaults are Zeek's.
     */
    final class Builder {
        Duration tcpInactivityTimeout = Duration.ofMinutes(5);
        Duration udpInactivityTimeout = Duration.ofMinutes(1);
        Duration icmpInactivityTimeout = Duration.ofMinutes(1);
        Duration otherInactivityTimeout = Duration.ofMinutes(1);
        Duration tcpAttemptTimeout = Duration.ofSeconds(5);
        Duration tcpCloseTimeout = Duration.ofSeconds(5);
        Duration tcpResetTimeout = Duration.ofSeconds(5);
        final Map<PortKey, Duration> portInactivityTimeouts = new LinkedHashMap<>(TrackerConfig.DEFAULT_PORT_TIMEOUTS);
        Set<PortKey> likelyServerPorts = TrackerConfig.DEFAULT_LIKELY_SERVER_PORTS;
        int maxConnections = 250_000;
        List<IpNetwork> localNetworks = TrackerConfig.DEFAULT_LOCAL_NETWORKS;
        boolean ignoreChecksums;
        int maxTunnelDepth = TrackerConfig.DEFAULT_MAX_TUNNEL_DEPTH;
        final List<IpNetwork> ignoreChecksumsNetworks = new ArrayList<>();
        Long uidSeed;
        final List<ConnectionListener> connectionListeners = new ArrayList<>();
        final List<ScanListener> scanListeners = new ArrayList<>();
        final List<BoundListener> boundListeners = new ArrayList<>();
        ScanDetection scanDetection;
        List<Duration> progressAges = List.of();
        Compressor compressor;
        int threads = 1;
        Duration resumeHorizon;
        int resumeCapacity = TrackerConfig.DEFAULT_RESUME_CAPACITY;
        boolean resumeCapacitySet;

        Builder() {
        }

        /**
         * Sets the inactivity timeout of established TCP connections (default 5 minutes).
         *
         * @param timeout positive
         * @return this
         */
        public Builder tcpInactivityTimeout(Duration timeout) {
            tcpInactivityTimeout = Checks.positive("tcpInactivityTimeout", timeout);
            return this;
        }

        /**
         * Sets the inactivity timeout of UDP flows, and of TCP connections not yet established
         * (default 1 minute).
         *
         * @param timeout positive
         * @return this
         */
        public Builder udpInactivityTimeout(Duration timeout) {
            udpInactivityTimeout = Checks.positive("udpInactivityTimeout", timeout);
            return this;
        }

        /**
         * Sets the inactivity timeout of ICMP flows (default 1 minute).
         *
         * @param timeout positive
         * @return this
         */
        public Builder icmpInactivityTimeout(Duration timeout) {
            icmpInactivityTimeout = Checks.positive("icmpInactivityTimeout", timeout);
            return this;
        }

        /**
         * Sets the inactivity timeout of flows of other IP protocols (default 1 minute).
         *
         * @param timeout positive
         * @return this
         */
        public Builder otherInactivityTimeout(Duration timeout) {
            otherInactivityTimeout = Checks.positive("otherInactivityTimeout", timeout);
            return this;
        }

        /**
         * Sets how long an unanswered TCP connection attempt stays open (default 5 seconds).
         *
         * @param timeout positive
         * @return this
         */
        public Builder tcpAttemptTimeout(Duration timeout) {
            tcpAttemptTimeout = Checks.positive("tcpAttemptTimeout", timeout);
            return this;
        }

        /**
         * Sets how long a TCP connection lingers after both sides closed (default 5 seconds).
         *
         * @param timeout positive
         * @return this
         */
        public Builder tcpCloseTimeout(Duration timeout) {
            tcpCloseTimeout = Checks.positive("tcpCloseTimeout", timeout);
            return this;
        }

        /**
         * Sets how long a TCP connection lingers after a reset (default 5 seconds).
         *
         * @param timeout positive
         * @return this
         */
        public Builder tcpResetTimeout(Duration timeout) {
            tcpResetTimeout = Checks.positive("tcpResetTimeout", timeout);
            return this;
        }

        /**
         * Overrides the inactivity timeout for connections to one responder port. By default
         * 21, 22, 23 and 513/tcp get 1 hour, as in Zeek.
         *
         * @param port    the responder port, e.g. {@code PortKey.parse("22/tcp")}
         * @param timeout positive
         * @return this
         */
        public Builder inactivityTimeout(PortKey port, Duration timeout) {
            if (port == null) {
                throw new NullPointerException("inactivityTimeout: port");
            }
            portInactivityTimeouts.put(port, Checks.positive("inactivityTimeout(" + port + ")", timeout));
            return this;
        }

        /**
         * Turns on progress events ({@link ConnectionListener#onConnectionProgress(Connection)})
         * for connections still open at the given ages, measured in network time from their
         * first packet; after the last age they repeat every last age, so
         * {@link TrackerConfig#DEFAULT_PROGRESS_AGES} (10 minutes, 1 hour) fires at 10 minutes
         * and then every hour, like Zeek's conn-long policy. No ages (the default) turns them off.
         * With {@link #threads(int)} above 1 each engine thread times its own connections, and
         * the events reach the listeners on the calling thread like records do.
         *
         * @param ages positive and strictly increasing
         * @return this
         * @throws IllegalArgumentException if an age is not positive or not after the one before
         */
        public Builder progressAges(Duration... ages) {
            List<Duration> list = new ArrayList<>();
            for (Duration a : ages) {
                Checks.positive("progressAges", a);
                if (!list.isEmpty() && a.compareTo(list.get(list.size() - 1)) <= 0) {
                    throw new IllegalArgumentException("progressAges must increase, got " + a + " after "
                            + list.get(list.size() - 1));
                }
                list.add(a);
            }
            progressAges = List.copyOf(list);
            return this;
        }

        /**
         * Replaces the set of likely server ports, which decides a connection's direction when
         * its first packet comes from one of them (Zeek's {@code likely_server_ports}). The
         * default is the set Zeek has with all its base scripts loaded.
         *
         * @param ports ports such as {@code 80/tcp}, {@code 53/udp}
         * @return this
         * @throws IllegalArgumentException if a port is malformed
         */
        public Builder likelyServerPorts(String... ports) {
            Set<PortKey> set = new LinkedHashSet<>();
            for (String p : ports) {
                set.add(PortKey.parse(p));
            }
            likelyServerPorts = set;
            return this;
        }

        /**
         * Bounds the connections tracked at once (default 250,000). At the bound the connection
         * whose next timer is due soonest is evicted with {@link CloseReason#EVICTED}, to within
         * the timer wheel's resolution (1 ms for timers due within 268 ms, 268 ms within 17 s,
         * 17 s within 18 min): an unanswered attempt or a closed connection waiting out its last
         * timer goes before an established connection, and among connections on the same
         * inactivity timeout the stalest goes. No order of use is kept per packet. A tracked IPv4
         * TCP connection takes about 127 bytes of heap, a UDP or ICMP flow about 95 (IPv6
         * addresses 32 more), and the table doubles as it fills, so plan for about 1.5 times that
         * per connection of the bound: the default stays under about 48 MB. Under a SYN flood the table fills with unanswered attempts; see
         * {@link #compressor(Compressor)}.
         *
         * @param max at least 1
         * @return this
         */
        public Builder maxConnections(int max) {
            maxConnections = Checks.positive("maxConnections", max);
            return this;
        }

        /**
         * Replaces the local networks that decide {@link Connection#localOrig()} and
         * {@link Connection#localResp()}. The default is Zeek's: the private and reserved
         * address ranges.
         *
         * @param cidrs networks such as {@code 10.0.0.0/8} or {@code 2001:db8::/32}
         * @return this
         * @throws IllegalArgumentException if a network is malformed
         */
        public Builder localNetworks(String... cidrs) {
            List<IpNetwork> nets = new ArrayList<>();
            for (String c : cidrs) {
                nets.add(IpNetwork.parse(c));
            }
            localNetworks = nets;
            return this;
        }

        /**
         * Turns off checksum verification (Zeek's {@code -C}). With verification on (the
         * default), packets with a bad IPv4, TCP, UDP or ICMP checksum change no counts and add
         * only a {@code C}/{@code c} history letter.
         *
         * @param ignore {@code true} to accept every checksum
         * @return this
         */
        public Builder ignoreChecksums(boolean ignore) {
            ignoreChecksums = ignore;
            return this;
        }

        /**
         * Sets how many tunnel encapsulations are taken off one packet (default 4, Zeek's
         * {@code Tunnel::max_depth}). VXLAN, Geneve, GRE (with ERSPAN and PPTP), IP-in-IP,
         * Teredo, AYIYA and GTPv1-U are decapsulated: the inner connection is tracked like any
         * other and lists the outer connection's uid in {@link Connection#tunnelParents()}. A
         * packet that would need one more level is counted as {@link SkipReason#BAD_TUNNEL}
         * from that level on; its outer layers are still tracked. Zero turns decapsulation off.
         *
         * @param depth the most encapsulations per packet, from 0 to 16
         * @return this
         * @throws IllegalArgumentException if {@code depth} is negative or above 16
         */
        public Builder maxTunnelDepth(int depth) {
            if (depth < 0 || depth > TrackerConfig.MAX_TUNNEL_DEPTH_LIMIT) {
                throw new IllegalArgumentException("maxTunnelDepth must be between 0 and "
                        + TrackerConfig.MAX_TUNNEL_DEPTH_LIMIT + ", got " + depth);
            }
            maxTunnelDepth = depth;
            return this;
        }

        /**
         * Skips checksum verification for packets from these networks only (Zeek's
         * {@code ignore_checksums_nets}), e.g. a host whose captures have checksum offload.
         *
         * @param cidrs networks
         * @return this
         * @throws IllegalArgumentException if a network is malformed
         */
        public Builder ignoreChecksumsFor(String... cidrs) {
            for (String c : cidrs) {
                ignoreChecksumsNetworks.add(IpNetwork.parse(c));
            }
            return this;
        }

        /**
         * Makes uids reproducible: the same seed and input give the same uids. By default the
         * seed is random.
         *
         * @param seed any value
         * @return this
         */
        public Builder uidSeed(long seed) {
            uidSeed = seed;
            return this;
        }

        /**
         * Adds a listener for connection records; may be called several times, listeners are
         * called in the order added.
         *
         * @param listener the listener
         * @return this
         */
        public Builder connectionListener(ConnectionListener listener) {
            if (listener == null) {
                throw new NullPointerException("connectionListener");
            }
            connectionListeners.add(listener);
            return this;
        }

        /**
         * Adds a listener for scan events; may be called several times. Registering one turns
         * scan detection on with {@link ScanDetection#defaults()} unless
         * {@link #scanDetection(ScanDetection)} sets other settings.
         *
         * @param listener the listener
         * @return this
         */
        public Builder scanListener(ScanListener listener) {
            if (listener == null) {
                throw new NullPointerException("scanListener");
            }
            scanListeners.add(listener);
            return this;
        }

        /**
         * Adds a listener told when a hard bound (connections, pending entries, fragments, scan
         * sources) starts evicting entries; may be called several times, listeners are called in
         * the order added. See {@link BoundListener} for when and on which thread.
         *
         * @param listener the listener
         * @return this
         */
        public Builder boundListener(BoundListener listener) {
            if (listener == null) {
                throw new NullPointerException("boundListener");
            }
            boundListeners.add(listener);
            return this;
        }

        /**
         * Turns scan detection on with these settings.
         *
         * @param settings the settings
         * @return this
         */
        public Builder scanDetection(ScanDetection settings) {
            if (settings == null) {
                throw new NullPointerException("scanDetection");
            }
            scanDetection = settings;
            return this;
        }

        /**
         * Turns on the connection compressor (off by default): connections whose responder has
         * not replied are kept in a compact pending table, with records identical to an
         * uncompressed tracker's. See {@link Compressor}.
         *
         * @param settings the settings, for example {@link Compressor#defaults()}
         * @return this
         */
        public Builder compressor(Compressor settings) {
            if (settings == null) {
                throw new NullPointerException("compressor");
            }
            compressor = settings;
            return this;
        }

        /**
         * Sets how many threads run the connection engine (default 1: everything on the
         * calling thread). With {@code n > 1} there are {@code n} engines: the calling thread
         * runs one itself and starts {@code n - 1} engine threads for the others. It reads each
         * frame only as far as its IP addresses and picks an engine by a hash of the address
         * pair, the same for both directions; a frame for its own engine it processes at once (in
         * {@link FlowTracker#run}, once its engine holds many connections, a few frames later,
         * in batches whose state it loads ahead, as one thread's {@code run} does), a frame for
         * another it copies into that engine thread's bounded queue, and when the queue is full
         * it waits. Each engine decodes its frames (checksums, fragment reassembly,
         * tunnels) and tracks their connections. Because the calling thread also reads and
         * routes every frame and runs the listeners, its engine takes half the share of address
         * pairs that each engine thread takes: one part in {@code 2n - 1} against two (with
         * {@code n = 2}, a third against two thirds). Each engine's table holds at most its
         * share of {@link #maxConnections(int)}, rounded up, and likewise its share of
         * {@link #resumeCapacity(int)} and of the compressor's
         * {@link Compressor#maxPendingConnections()}. So {@code n} threads do the work, and {@code n} suits a
         * machine with {@code n} free cores.
         *
         * <p>Records and progress events are the same as with one thread; only their order and
         * uids differ (each thread's keep their order, and a connection's progress events precede
         * its record; those of different threads interleave). The one exception is a connection
         * seen inside tunnels between different outer address pairs, or both inside and outside a
         * tunnel: its packets may be tracked by several threads, as in a Zeek cluster balanced on
         * outer address pairs, and give one record each. Listeners are
         * still called on the calling thread, inside {@link FlowTracker#onFrame},
         * {@link FlowTracker#run}, {@link FlowTracker#advanceTime} and {@link FlowTracker#close},
         * and one scan detector sees the records of every thread, so a scanner's attempts meet
         * wherever its connections were tracked. A failure inside an engine thread is rethrown
         * on the calling thread as an {@link IllegalStateException}, after the records already
         * made have been delivered.
         *
         * @param n engines, each on its own thread (the calling thread runs one), 1 to 256
         * @return this
         */
        public Builder threads(int n) {
            if (n < 1 || n > 256) {
                throw new IllegalArgumentException("threads must be between 1 and 256: " + n);
            }
            threads = n;
            return this;
        }

        /**
         * Links a record to the one it continues (off by default). Zeek ends a connection that
         * idles longer than its inactivity timeout, and the next packet on the same 5-tuple
         * starts a new record; with this option that new record names the record it continues
         * in {@link Connection#resumedFrom()} and carries the running totals of the whole
         * logical session in {@link Connection#session()}. The default {@code conn.log}
         * columns do not change.
         *
         * <p><b>What is remembered.</b> Records closed by {@link CloseReason#INACTIVITY_TIMEOUT}
         * or {@link CloseReason#EVICTED} (an eviction splits a live session just as a timeout
         * does, only earlier), except TCP attempts nobody answered ({@link ConnState#S0}), whose
         * retry would start with a SYN. Records that ended ({@link CloseReason#CLOSED},
         * {@link CloseReason#REUSED}, {@link CloseReason#END_OF_INPUT}) are not.
         *
         * <p><b>What continues.</b> A new connection on a remembered 5-tuple, in either
         * direction (the first packet after the gap may come from the old responder), whose
         * first packet arrives at most {@code horizon} after the remembered record's last
         * packet, unless that packet is a TCP segment with SYN set: a SYN opens a new
         * connection. ICMP flows match by their Zeek key (types, or type and code).
         *
         * <p><b>Bytes across the split.</b> Each record keeps Zeek's byte counts. The session's
         * TCP byte totals follow sequence numbers instead of adding those counts: per
         * direction, the session remembers the sequence number after the last byte counted,
         * and a continuation adds only the bytes beyond it (compared modulo 2<sup>32</sup>, as
         * TCP compares them). Data retransmitted across the gap is therefore not counted twice,
         * and bytes sent during the gap that no record saw are counted, exactly as one record
         * spanning the whole session would count them (Zeek counts TCP bytes from sequence
         * numbers, holes included). A direction that sends nothing in one record adds nothing
         * there; bytes it sent unseen are counted when it is next seen. UDP and ICMP byte totals
         * are sums.
         *
         * <p><b>Bounds.</b> At most {@link #resumeCapacity(int)} expired records are remembered;
         * beyond it the one remembered longest ago is dropped ({@link TrackerStats#resumeDropped()}),
         * and a record is forgotten once its horizon has passed
         * ({@link TrackerStats#resumeExpired()}). With {@link #threads(int)} above 1 each engine
         * remembers its own connections (a 5-tuple always goes to the same engine) within its
         * share of the capacity.
         *
         * @param horizon the longest idle gap bridged, positive; for example
         *                {@link TrackerConfig#DEFAULT_RESUME_HORIZON} (24 hours)
         * @return this
         * @throws IllegalArgumentException if {@code horizon} is not positive
         */
        public Builder linkResumed(Duration horizon) {
            resumeHorizon = Checks.positive("linkResumed", horizon);
            return this;
        }

        /**
         * Bounds how many expired records {@link #linkResumed(Duration)} remembers (default
         * {@value TrackerConfig#DEFAULT_RESUME_CAPACITY}); each takes about
         * {@value TrackerConfig#RESUME_ENTRY_BYTES} bytes of heap (up to twice that, as the store
         * doubles when it fills), allocated as entries are first needed: about 14 MB when the
         * default capacity is full.
         *
         * @param capacity 1 to {@value TrackerConfig#MAX_RESUME_CAPACITY}
         * @return this
         * @throws IllegalArgumentException if {@code capacity} is out of that range
         */
        public Builder resumeCapacity(int capacity) {
            if (capacity < 1 || capacity > TrackerConfig.MAX_RESUME_CAPACITY) {
                throw new IllegalArgumentException("resumeCapacity must be between 1 and "
                        + TrackerConfig.MAX_RESUME_CAPACITY + ", got " + capacity);
            }
            resumeCapacity = capacity;
            resumeCapacitySet = true;
            return this;
        }

        /**
         * Returns the validated configuration without building a tracker.
         *
         * @return immutable settings
         * @throws IllegalArgumentException if settings contradict each other
         */
        public TrackerConfig config() {
            if (resumeCapacitySet && resumeHorizon == null) {
                throw new IllegalArgumentException("resumeCapacity(" + resumeCapacity
                        + ") needs linkResumed(horizon): linking is off");
            }
            return new TrackerConfig(this);
        }

        /**
         * Builds a tracker with the engine found on the class or module path
         * ({@code flowkit-core}).
         *
         * @return a new tracker
         * @throws IllegalArgumentException if settings contradict each other
         * @throws IllegalStateException    if no engine is on the class or module path
         */
        public FlowTracker build() {
            TrackerConfig config = config();
            Iterator<FlowTrackerProvider> it = ServiceLoader.load(FlowTrackerProvider.class).iterator();
            if (!it.hasNext()) {
                it = ServiceLoader.load(FlowTrackerProvider.class, FlowTracker.class.getClassLoader()).iterator();
            }
            if (!it.hasNext()) {
                throw new IllegalStateException("no flowkit engine found: add io.flowkit:flowkit-core to the class or module path");
            }
            return it.next().create(config);
        }
    }
}
