package io.flowkit.bench.gen;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.SplittableRandom;

/**
 * Writes a synthetic but protocol-correct Ethernet capture, and beside it the ground truth of
 * every connection in it, so that a flow tracker's output can be checked record by record.
 *
 * <h2>Idea</h2>
 * Every connection is a {@link Flow} object that plays a short script (a {@link FlowKind}) one
 * packet at a time. All flows, and the scanners that spawn probe flows, sit in one priority
 * queue ordered by the time of their next packet; the generator repeatedly takes the earliest,
 * writes its packet and puts it back with its next time. Timestamps therefore interleave the way
 * independent connections do on a link, and the file is in time order. A flow that ends is
 * written to the truth file and replaced by a new one, which keeps the number of open ordinary
 * flows at {@link GeneratorOptions#concurrentFlows()} (all of them start within the first second).
 *
 * <h2>Invariants</h2>
 * <ul>
 *   <li>Deterministic: one {@link SplittableRandom} seeded from the options drives every choice,
 *       and queue ties are broken by creation order, so equal options give identical bytes.</li>
 *   <li>Memory is bounded by the open flows (one object each, a few hundred bytes), never by the
 *       packets written: a flow keeps its next sequence numbers, not its packets.</li>
 *   <li>Every 5-tuple is used by one connection only: ordinary clients are numbered so that the
 *       (address, port) pair of the n-th flow is unique for over 10^9 flows, ICMP flows get a
 *       client address of their own (unique for 4 million ICMP flows), and each scanner probes
 *       each (host, port) once.</li>
 *   <li>Checksums (IPv4 header, TCP, UDP, ICMP, ICMPv6) are correct; sequence and
 *       acknowledgement numbers follow the payload sent (from a random initial sequence number,
 *       wrapping at 2^32), so TCP payload counted from sequence numbers equals the payload
 *       written.</li>
 *   <li>No gap inside a flow reaches Zeek's timeouts: TCP idle gaps are at most 200 s (inactivity
 *       timeout 5 min), UDP and ICMP gaps at most about 2 s (1 min), SYN retransmits come 1 and
 *       3 s after the first SYN (attempt timeout 5 s). Each flow is thus one Zeek connection.</li>
 * </ul>
 *
 * <h2>Flood</h2>
 * With {@link GeneratorOptions#floodPackets()} set, spoofed SYNs are written after ordinary
 * packets, at the same timestamp, so that after the i-th ordinary packet {@code i * flood /
 * packets} flood SYNs have been written. They come from their own random stream and frame
 * builder, so the ordinary packets are byte-identical to a run without the flood; they are not
 * in the truth file. Sources are random in 172.16.0.0/12 with random ports, which no ordinary
 * flow uses.
 *
 * <h2>Ground truth</h2>
 * {@code <name>.truth.tsv} has a header line starting with {@code #fields} and one row per flow
 * that sent at least one packet: {@code kind proto orig_h orig_p resp_h resp_p first_ns last_ns
 * orig_pkts orig_ip_bytes resp_pkts resp_ip_bytes orig_bytes resp_bytes conn_state history}.
 * Rows are written when a flow ends; flows still open when generation stops follow in the order
 * of their next packet. {@code last_ns} is the last packet that moves Zeek's connection time
 * (after both FINs Zeek no longer updates it, so the final ACK of a clean close does not count).
 * Times are the capture's exact nanosecond timestamps; Zeek, reading through libpcap, sees them
 * truncated to microseconds, so compare {@code ts} and {@code duration} at that precision.
 * {@code orig_bytes}/{@code resp_bytes} are payload bytes: TCP and UDP payload, and the ICMP
 * data after the 8-byte echo header, as Zeek counts them. Packet and IP byte counts are always
 * exact. {@code conn_state} and {@code history} are computed with a model of Zeek's rules
 * ({@link Flow}) and are exact for every script here, including flows cut off when generation
 * stops: TCP {@code S0}, {@code S1}, {@code S2}, {@code S3}, {@code SF}, {@code REJ},
 * {@code RSTO}; UDP {@code SF} and {@code S0}; ICMP {@code OTH} with an empty history.
 *
 * <h2>Cost</h2>
 * O(log F) per packet for F open flows (the heap); frame building costs the headers only,
 * because payloads are copied from a fixed pattern whose checksum is precomputed
 * ({@link FrameBuilder}). A few million packets take seconds.
 */
public final class TrafficGenerator {
    /** Capture time of the first packet: 2026-01-01T00:00:00Z, in nanoseconds. */
    public static final long START_NANOS = 1_767_225_600L * 1_000_000_000L;

    private static final long MS = 1_000_000L;
    private static final int SNAP_LENGTH = 65_535;
    private static final int CLIENTS = 65_000;
    private static final int SERVERS = 200;
    private static final int[] TCP_PORTS = {443, 443, 443, 443, 443, 443, 443, 443, 443, 80, 80, 80, 80, 80, 80,
        22, 25, 8080, 3306, 993};
    private static final int[] UDP_REQUEST_PORTS = {53, 53, 53, 53, 53, 53, 123, 123, 443, 443};
    private static final int[] UDP_STREAM_PORTS = {514, 5004};

    private final GeneratorOptions options;
    private final SplittableRandom rnd;
    private final FrameBuilder frames = new FrameBuilder();
    private final FrameBuilder floodFrames = new FrameBuilder();
    private final SplittableRandom floodRnd;
    private long floodWritten;
    private final PriorityQueue<Scheduled> queue;
    private final FlowKind[] kinds;
    private final double[] cumulativeWeights;
    private final int maxFlowPackets;
    private long nextOrder;
    private long slot;
    private long flowsWritten;

    private TrafficGenerator(GeneratorOptions options) {
        this.options = options;
        this.rnd = new SplittableRandom(options.seed());
        this.floodRnd = new SplittableRandom(options.seed() ^ 0x5EED_F100DL);
        this.queue = new PriorityQueue<>(options.concurrentFlows() + 16, Scheduled.BY_TIME);
        Map<FlowKind, Double> mix = options.mix();
        int n = 0;
        for (double w : mix.values()) {
            if (w > 0) {
                n++;
            }
        }
        kinds = new FlowKind[n];
        cumulativeWeights = new double[n];
        double total = 0;
        int i = 0;
        for (Map.Entry<FlowKind, Double> e : mix.entrySet()) {
            if (e.getValue() > 0) {
                total += e.getValue();
                kinds[i] = e.getKey();
                cumulativeWeights[i] = total;
                i++;
            }
        }
        for (int k = 0; k < n; k++) {
            cumulativeWeights[k] /= total;
        }
        long budget = options.packets() > 0 ? options.packets() / 20 : 100_000;
        maxFlowPackets = (int) Math.max(20, Math.min(100_000, budget));
    }

    /**
     * Writes the capture and its ground truth as the options say.
     *
     * @param options what to write
     * @return what was written
     * @throws IOException if a file cannot be written
     */
    public static Summary generate(GeneratorOptions options) throws IOException {
        return new TrafficGenerator(options).run();
    }

    /**
     * What a run wrote.
     *
     * @param capture    the pcap file
     * @param truth      the ground-truth file
     * @param packets    frames in the capture
     * @param flows      rows in the truth file
     * @param firstNanos timestamp of the first frame
     * @param lastNanos  timestamp of the last frame
     * @param peakHeld   the most flows held in memory at once: open flows, flows about to start,
     *                   scan probes in flight and the scanners themselves; it bounds the
     *                   generator's memory
     */
    public record Summary(Path capture, Path truth, long packets, long flows, long firstNanos, long lastNanos,
                          int peakHeld) {
    }

    private Summary run() throws IOException {
        long packetBudget = options.packets() > 0 ? options.packets() : Long.MAX_VALUE;
        long end = options.duration() != null ? START_NANOS + options.duration().toNanos() : Long.MAX_VALUE;
        for (int i = 0; i < options.concurrentFlows(); i++) {
            queue.add(newFlow(START_NANOS + rnd.nextLong(1_000 * MS)));
        }
        if (options.scanners()) {
            queue.add(new Scanner(nextOrder++, START_NANOS + 200 * MS, FlowKind.SCAN_ADDRESS, rnd.nextInt(16384) + 40000));
            queue.add(new Scanner(nextOrder++, START_NANOS + 500 * MS, FlowKind.SCAN_PORT, rnd.nextInt(16384) + 40000));
            queue.add(new Scanner(nextOrder++, START_NANOS + 800 * MS, FlowKind.SCAN_BLOCK, rnd.nextInt(16384) + 40000));
        }
        long first = -1;
        long last = 0;
        int peak = queue.size();
        try (PcapWriter pcap = new PcapWriter(options.output(), SNAP_LENGTH);
             Writer truth = Files.newBufferedWriter(options.truthOutput(), StandardCharsets.US_ASCII)) {
            truthHeader(truth);
            while (!queue.isEmpty() && pcap.frames() - floodWritten < packetBudget) {
                Scheduled next = queue.peek();
                if (next.nextNanos > end) {
                    break;
                }
                queue.poll();
                if (next instanceof Scanner s) {
                    queue.add(s.probe());
                    if (s.advance()) {
                        queue.add(s);
                    }
                    peak = Math.max(peak, queue.size());
                    continue;
                }
                Flow f = (Flow) next;
                long t = f.nextNanos;
                if (first < 0) {
                    first = t;
                }
                last = t;
                boolean more = f.emit(frames, pcap, rnd);
                if (options.floodPackets() > 0) {
                    flood(pcap, t, pcap.frames() - floodWritten);
                }
                if (more) {
                    queue.add(f);
                } else {
                    truthRow(truth, f);
                    if (!f.kind.isScanProbe()) {
                        queue.add(newFlow(t + rnd.nextLong(MS)));
                    }
                }
            }
            while (!queue.isEmpty()) {
                if (queue.poll() instanceof Flow f && f.started()) {
                    truthRow(truth, f);
                }
            }
            return new Summary(options.output(), options.truthOutput(), pcap.frames(), flowsWritten, first, last,
                    peak);
        }
    }

    /** Writes flood SYNs at time {@code t} until the flood has kept pace with {@code ordinary} packets. */
    private void flood(PcapWriter pcap, long t, long ordinary) throws IOException {
        long due = (long) ((double) options.floodPackets() * ordinary / options.packets());
        while (floodWritten < Math.min(due, options.floodPackets())) {
            long src = 0xAC10_0000L | floodRnd.nextInt(1 << 20);                  // 172.16.0.0/12
            long dst = 0xC633_6400L | (1 + floodRnd.nextInt(100));                // 198.51.100.0/24
            int len = floodFrames.tcp(false, 0, src, 0, dst, 1024 + floodRnd.nextInt(64512), 80,
                    floodRnd.nextLong(1L << 32), 0, FrameBuilder.SYN, 1024, 1460, 0);
            pcap.write(t, floodFrames.frame(), 0, len);
            floodWritten++;
        }
    }

    private Flow newFlow(long start) {
        FlowKind kind = pickKind();
        long n = slot++;
        boolean v6 = rnd.nextDouble() < options.ipv6Share();
        int server = (int) (SERVERS * Math.pow(rnd.nextDouble(), 2));
        long origHi;
        long origLo;
        long respHi;
        long respLo;
        if (v6) {
            origHi = 0x2001_0db8_000c_0000L;
            origLo = n + 1;
            respHi = 0x2001_0db8_0005_0000L;
            respLo = server + 1;
        } else {
            origHi = 0;
            origLo = kind == FlowKind.ICMP_ECHO
                    ? 0x6440_0000L | (n & 0x3F_FFFFL)                // 100.64.0.0/10
                    : 0x0A00_0000L | (1 + n % CLIENTS);              // 10.0.0.0/16
            respHi = 0;
            respLo = (server < 100 ? 0xC633_6400L : 0xCB00_7100L) | (1 + server % 100); // 198.51.100/24, 203.0.113/24
        }
        // for one client address (n % CLIENTS fixed) the port index steps by one per reuse, so
        // (address, port) stays unique; the multiplier spreads the ports over the clients
        int clientPort = ephemeralPort(v6 ? n : n / CLIENTS + (n % CLIENTS) * 7919);
        int serverPort;
        int packets;
        switch (kind) {
            case TCP_COMPLETE, TCP_RESET_BY_ORIGINATOR -> {
                serverPort = TCP_PORTS[rnd.nextInt(TCP_PORTS.length)];
                packets = pareto(1.2, 2, maxFlowPackets);
            }
            case TCP_LONG_LIVED -> {
                serverPort = rnd.nextBoolean() ? 22 : 443;
                packets = pareto(1.2, 6, maxFlowPackets);
            }
            case TCP_REJECTED, TCP_UNANSWERED -> {
                serverPort = TCP_PORTS[rnd.nextInt(TCP_PORTS.length)];
                packets = 0;
            }
            case UDP_REQUEST_RESPONSE -> {
                serverPort = UDP_REQUEST_PORTS[rnd.nextInt(UDP_REQUEST_PORTS.length)];
                packets = 2 * pareto(1.3, 1, Math.max(1, maxFlowPackets / 2));
            }
            case UDP_ONE_WAY -> {
                serverPort = UDP_STREAM_PORTS[rnd.nextInt(UDP_STREAM_PORTS.length)];
                packets = pareto(1.2, 1, maxFlowPackets);
            }
            case ICMP_ECHO -> {
                serverPort = 0;
                packets = pareto(1.5, 1, Math.min(30, maxFlowPackets));
            }
            default -> throw new IllegalStateException("not an ordinary flow kind: " + kind);
        }
        long rtt = (long) Math.exp(Math.log(MS) + rnd.nextDouble() * Math.log(150));   // 1 to 150 ms
        return new Flow(nextOrder++, start, kind, v6, origHi, origLo, respHi, respLo, clientPort, serverPort, rtt,
                options.maxSegmentSize(), packets, -1, options.synRetransmits(), rnd)
                .fragmenting(kind == FlowKind.UDP_REQUEST_RESPONSE ? options.fragmentShare() : 0);
    }

    private FlowKind pickKind() {
        double u = rnd.nextDouble();
        for (int i = 0; i < kinds.length - 1; i++) {
            if (u < cumulativeWeights[i]) {
                return kinds[i];
            }
        }
        return kinds[kinds.length - 1];
    }

    /** Ports 49152..65535 except 51820 (WireGuard, a Zeek likely-server port that would flip UDP direction). */
    private static int ephemeralPort(long index) {
        int p = 49152 + (int) (index % 16383);
        return p >= 51820 ? p + 1 : p;
    }

    /** A bounded Pareto draw (shape {@code alpha}, support {@code lo..hi}) by inverting its CDF. */
    private int pareto(double alpha, int lo, int hi) {
        if (hi <= lo) {
            return lo;
        }
        double u = rnd.nextDouble();
        double ratio = Math.pow((double) lo / hi, alpha);
        double x = lo / Math.pow(1 - u * (1 - ratio), 1 / alpha);
        return (int) Math.min(hi, Math.floor(x));
    }

    private void truthHeader(Writer w) throws IOException {
        w.write("#generator\tflowkit TrafficGenerator seed=" + options.seed() + " packets=" + options.packets()
                + " duration=" + options.duration() + " flows=" + options.concurrentFlows() + " ipv6Share="
                + options.ipv6Share() + " scanners=" + options.scanners() + " synRetransmits="
                + options.synRetransmits()  + " mss=" + options.maxSegmentSize()
                + (options.floodPackets() > 0 ? " flood=" + options.floodPackets() : "")
                + (options.fragmentShare() > 0 ? " fragmentShare=" + options.fragmentShare() : "") + " mix=" + options.mix() + "\n");
        w.write("#fields\tkind\tproto\torig_h\torig_p\tresp_h\tresp_p\tfirst_ns\tlast_ns\torig_pkts\torig_ip_bytes"
                + "\tresp_pkts\tresp_ip_bytes\torig_bytes\tresp_bytes\tconn_state\thistory\n");
    }

    private void truthRow(Writer w, Flow f) throws IOException {
        StringBuilder b = new StringBuilder(160);
        b.append(f.kind.name()).append('\t')
         .append(f.ipProto == 6 ? "tcp" : f.ipProto == 17 ? "udp" : "icmp").append('\t')
         .append(address(f.v6, f.origHi, f.origLo)).append('\t').append(f.origPort).append('\t')
         .append(address(f.v6, f.respHi, f.respLo)).append('\t').append(f.respPort).append('\t')
         .append(f.firstNanos).append('\t').append(f.lastNanos).append('\t')
         .append(f.origPackets).append('\t').append(f.origIpBytes).append('\t')
         .append(f.respPackets).append('\t').append(f.respIpBytes).append('\t')
         .append(f.origPayload).append('\t').append(f.respPayload).append('\t')
         .append(f.connState()).append('\t').append(f.history()).append('\n');
        w.write(b.toString());
        flowsWritten++;
    }

    /** Dotted quad for IPv4; RFC 5952 text (lower case, longest zero run as {@code ::}) for IPv6. */
    static String address(boolean v6, long hi, long lo) {
        if (!v6) {
            return ((lo >>> 24) & 0xFF) + "." + ((lo >>> 16) & 0xFF) + "." + ((lo >>> 8) & 0xFF) + "." + (lo & 0xFF);
        }
        int[] g = new int[8];
        for (int i = 0; i < 4; i++) {
            g[i] = (int) (hi >>> (48 - 16 * i)) & 0xFFFF;
            g[i + 4] = (int) (lo >>> (48 - 16 * i)) & 0xFFFF;
        }
        int bestStart = -1;
        int bestLen = 1;
        for (int i = 0; i < 8; ) {
            if (g[i] != 0) {
                i++;
                continue;
            }
            int j = i;
            while (j < 8 && g[j] == 0) {
                j++;
            }
            if (j - i > bestLen) {
                bestStart = i;
                bestLen = j - i;
            }
            i = j;
        }
        StringBuilder b = new StringBuilder(40);
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                b.append("::");
                i += bestLen - 1;
                continue;
            }
            if (b.length() > 0 && b.charAt(b.length() - 1) != ':') {
                b.append(':');
            }
            b.append(Integer.toHexString(g[i]));
        }
        return b.toString();
    }

    /**
     * A scanner: spawns one probe flow every 8 to 12 ms until it has probed each of its targets
     * once. Targets and what they answer are fixed per scanner kind:
     * <ul>
     *   <li>address scan: 203.0.113.66 sweeps port 22 over 10.99.0.1 to 10.99.0.254; 10% of the
     *       hosts answer, 20% reject, 70% are silent;</li>
     *   <li>port scan: 203.0.113.77 probes ports 1 to 100 of 10.99.1.10; 21, 22, 25, 53 and 80
     *       are open, 10% of the others are filtered (silent), the rest reject;</li>
     *   <li>block scan: 203.0.113.88 probes 8 ports on 10.99.2.1 to 10.99.2.8; 15% answer,
     *       45% reject, 40% are silent.</li>
     * </ul>
     * An answered probe is SYN, SYN-ACK, RST from the scanner ({@code RSTO}, history
     * {@code ShR}); a rejected one SYN, RST-ACK ({@code REJ}, {@code Sr}); a silent one a single
     * SYN ({@code S0}, {@code S}).
     */
    private final class Scanner extends Scheduled {
        private static final int[] BLOCK_PORTS = {21, 22, 23, 25, 80, 443, 445, 3389};

        private final FlowKind kind;
        private final int sourcePort;
        private final int total;
        private int next;

        Scanner(long order, long start, FlowKind kind, int sourcePort) {
            super(order, start);
            this.kind = kind;
            this.sourcePort = sourcePort;
            this.total = switch (kind) {
                case SCAN_ADDRESS -> 254;
                case SCAN_PORT -> 100;
                default -> 64;
            };
        }

        Flow probe() {
            long source;
            long target;
            int port;
            int outcome;
            int roll = rnd.nextInt(100);
            switch (kind) {
                case SCAN_ADDRESS -> {
                    source = 0xCB00_7142L;                   // 203.0.113.66
                    target = 0x0A63_0000L | (next + 1);      // 10.99.0.x
                    port = 22;
                    outcome = roll < 10 ? Flow.PROBE_OPEN : roll < 30 ? Flow.PROBE_CLOSED : Flow.PROBE_SILENT;
                }
                case SCAN_PORT -> {
                    source = 0xCB00_714DL;                   // 203.0.113.77
                    target = 0x0A63_010AL;                   // 10.99.1.10
                    port = next + 1;
                    boolean open = port == 21 || port == 22 || port == 25 || port == 53 || port == 80;
                    outcome = open ? Flow.PROBE_OPEN : roll < 10 ? Flow.PROBE_SILENT : Flow.PROBE_CLOSED;
                }
                default -> {
                    source = 0xCB00_7158L;                   // 203.0.113.88
                    target = 0x0A63_0200L | (next / BLOCK_PORTS.length + 1);   // 10.99.2.1-8
                    port = BLOCK_PORTS[next % BLOCK_PORTS.length];
                    outcome = roll < 15 ? Flow.PROBE_OPEN : roll < 60 ? Flow.PROBE_CLOSED : Flow.PROBE_SILENT;
                }
            }
            long rtt = 300_000 + rnd.nextLong(2 * MS);
            return new Flow(nextOrder++, nextNanos, kind, false, 0, source, 0, target, sourcePort, port, rtt,
                    options.maxSegmentSize(), 0, outcome, false, rnd);
        }

        /** Moves to the next target; returns whether there is one. */
        boolean advance() {
            next++;
            nextNanos += 8 * MS + rnd.nextLong(4 * MS);
            return next < total;
        }
    }
}
