package io.flowkit.core.internal.engine;

import io.flowkit.Connection;
import io.flowkit.FlowTracker;
import io.flowkit.core.internal.decode.PacketView;
import java.util.ArrayList;
import java.util.List;

/**
 * Drives an {@link Engine} with hand-filled packet views, as the decoder would fill them, and
 * collects what comes out. Times are seconds from an arbitrary epoch.
 */
final class Packets implements ConnectionSink {
    static final long EPOCH = 1_700_000_000_000_000_000L;

    final List<Connection> records = new ArrayList<>();
    final List<String> unreachables = new ArrayList<>();
    final Engine engine;
    private final PacketView v = new PacketView();

    Packets() {
        this(FlowTracker.builder());
    }

    Packets(FlowTracker.Builder builder) {
        engine = new Engine(builder.config(), this, 42);
    }

    /** An engine numbering its connections {@code uidStart, uidStart + uidStep, ...}. */
    Packets(FlowTracker.Builder builder, long uidStart, long uidStep) {
        engine = new Engine(builder.config(), builder.config().maxConnections(),
                builder.config().resumeCapacity(), builder.config().compressor() == null ? 0
                        : builder.config().compressor().maxPendingConnections(), this, 42, uidStart, uidStep);
    }

    static long at(double seconds) {
        return EPOCH + Math.round(seconds * 1e9);
    }

    static long v4(String dotted) {
        String[] p = dotted.split("\\.");
        long a = 0;
        for (String x : p) {
            a = (a << 8) | Integer.parseInt(x);
        }
        return PacketView.IPV4_MAPPED_PREFIX | a;
    }

    private PacketView base(double t, String src, String dst, int proto, int ipLength) {
        v.clear();
        v.timestampNanos = at(t);
        v.ipVersion = 4;
        v.ipProto = proto;
        v.srcLo = v4(src);
        v.dstLo = v4(dst);
        v.ipLength = ipLength;
        return v;
    }

    private void deliver(PacketView p) {
        engine.advance(p.timestampNanos);
        engine.process(p);
    }

    /**
     * Sends a TCP segment. {@code flags} uses Zeek's letters: S (SYN), A (ACK), F (FIN), R (RST).
     */
    Packets tcp(double t, String src, int sport, String dst, int dport, String flags, long seq, long ack, int len) {
        PacketView p = base(t, src, dst, 6, 40 + len);
        p.srcPort = sport;
        p.dstPort = dport;
        int f = 0;
        for (char ch : flags.toCharArray()) {
            f |= ch == 'S' ? Tcp.SYN : ch == 'A' ? Tcp.ACK : ch == 'F' ? Tcp.FIN : ch == 'R' ? Tcp.RST : 0;
        }
        p.tcpFlags = f;
        p.seq = seq & 0xFFFF_FFFFL;
        p.ack = ack & 0xFFFF_FFFFL;
        p.window = 65535;
        p.payloadLength = len;
        p.payloadCaptured = len;
        deliver(p);
        return this;
    }

    /** Sends a TCP segment whose checksum the decoder found bad. */
    Packets badTcp(double t, String src, int sport, String dst, int dport, String flags, long seq) {
        PacketView p = base(t, src, dst, 6, 40);
        p.srcPort = sport;
        p.dstPort = dport;
        p.tcpFlags = flags.contains("S") ? Tcp.SYN : Tcp.ACK;
        p.seq = seq;
        p.window = 100;
        p.badChecksum = true;
        deliver(p);
        return this;
    }

    /** Sends a TCP segment the capture cut inside its options. */
    Packets truncatedTcp(double t, String src, int sport, String dst, int dport, String flags) {
        PacketView p = base(t, src, dst, 6, 60);
        p.srcPort = sport;
        p.dstPort = dport;
        p.tcpFlags = (flags.contains("S") ? Tcp.SYN : 0) | (flags.contains("A") ? Tcp.ACK : 0);
        p.transportTruncated = true;
        deliver(p);
        return this;
    }

    Packets udp(double t, String src, int sport, String dst, int dport, int len) {
        PacketView p = base(t, src, dst, 17, 28 + len);
        p.srcPort = sport;
        p.dstPort = dport;
        p.payloadLength = len;
        p.payloadCaptured = len;
        deliver(p);
        return this;
    }

    /** Sends a UDP datagram at a raw timestamp in nanoseconds. */
    Packets udpAtNanos(long ts, String src, int sport, String dst, int dport, int len) {
        PacketView p = base(0, src, dst, 17, 28 + len);
        p.timestampNanos = ts;
        p.srcPort = sport;
        p.dstPort = dport;
        p.payloadLength = len;
        p.payloadCaptured = len;
        deliver(p);
        return this;
    }

    Packets icmp(double t, String src, String dst, int type, int code, int len) {
        PacketView p = base(t, src, dst, 1, 28 + len);
        p.icmpType = type;
        p.icmpCode = code;
        p.payloadLength = len;
        p.payloadCaptured = len;
        deliver(p);
        return this;
    }

    Packets other(double t, String src, String dst, int proto, int ipLength) {
        deliver(base(t, src, dst, proto, ipLength));
        return this;
    }

    Packets advance(double t) {
        engine.advance(at(t));
        return this;
    }

    Packets flush() {
        engine.flush();
        return this;
    }

    /** The only record produced so far. */
    Connection only() {
        if (records.size() != 1) {
            throw new AssertionError("expected one record, got " + records);
        }
        return records.get(0);
    }

    @Override
    public void connectionRemoved(Connection connection) {
        records.add(connection);
    }

    @Override
    public void icmpUnreachable(PacketView view) {
        unreachables.add(view.icmpType + "/" + view.icmpCode + " inner proto " + view.innerProto);
    }
}
