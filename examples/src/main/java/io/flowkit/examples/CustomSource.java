package io.flowkit.examples;

import io.flowkit.Connection;
import io.flowkit.FlowTracker;
import io.flowkit.FrameHandler;
import io.flowkit.LinkType;
import io.flowkit.PacketSource;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Feeds flowkit from an application's own capture by implementing {@link PacketSource}. Here
 * the "capture" is a list of hand-made raw IPv4 packets: one TCP connection, opened, used and
 * closed, which flowkit reports as a single {@code SF} record.
 *
 * <p>Run: {@code java -cp examples/target/classes:... io.flowkit.examples.CustomSource}
 */
public final class CustomSource implements PacketSource {
    private static final int SYN = 0x02;
    private static final int ACK = 0x10;
    private static final int FIN = 0x01;
    private static final int PSH = 0x08;

    private final List<byte[]> packets = new ArrayList<>();
    private final List<Long> times = new ArrayList<>();
    private final ByteBuffer frame = ByteBuffer.allocateDirect(65_535);
    /** What the handler gets: a read-only view, the buffer class of flowkit's own sources. */
    private final ByteBuffer frameView = frame.asReadOnlyBuffer();
    private int next;

    /** Builds the example capture: a client at 10.0.0.1 talks to a server at 10.0.0.2:80. */
    public CustomSource() {
        long t = 1_700_000_000_000_000_000L;
        int c = 0x0A000001;
        int s = 0x0A000002;
        add(t, tcp(c, s, 40000, 80, 1000, 0, SYN, 0));
        add(t += 1_000_000, tcp(s, c, 80, 40000, 5000, 1001, SYN | ACK, 0));
        add(t += 1_000_000, tcp(c, s, 40000, 80, 1001, 5001, ACK, 0));
        add(t += 1_000_000, tcp(c, s, 40000, 80, 1001, 5001, PSH | ACK, 100));
        add(t += 1_000_000, tcp(s, c, 80, 40000, 5001, 1101, PSH | ACK, 1400));
        add(t += 1_000_000, tcp(c, s, 40000, 80, 1101, 6401, FIN | ACK, 0));
        add(t += 1_000_000, tcp(s, c, 80, 40000, 6401, 1102, FIN | ACK, 0));
        add(t + 1_000_000, tcp(c, s, 40000, 80, 1102, 6402, ACK, 0));
    }

    @Override
    public int poll(FrameHandler handler, int maxFrames) {
        if (next == packets.size()) {
            return END_OF_INPUT;
        }
        int n = 0;
        while (n < maxFrames && next < packets.size()) {
            byte[] p = packets.get(next);
            frame.put(0, p);   // the handler reads with absolute indexes from offset 0
            handler.onFrame(times.get(next), LinkType.RAW, frameView, 0, p.length, p.length);
            next++;
            n++;
        }
        return n;
    }

    @Override
    public String name() {
        return "example";
    }

    @Override
    public void close() {
        packets.clear();
    }

    private void add(long timeNanos, byte[] packet) {
        times.add(timeNanos);
        packets.add(packet);
    }

    /** A minimal IPv4 + TCP packet with {@code payload} zero bytes. Checksums are left zero. */
    private static byte[] tcp(int src, int dst, int sport, int dport, long seq, long ack, int flags, int payload) {
        ByteBuffer b = ByteBuffer.allocate(40 + payload);
        b.put((byte) 0x45).put((byte) 0).putShort((short) (40 + payload)).putInt(0)
                .put((byte) 64).put((byte) 6).putShort((short) 0).putInt(src).putInt(dst);
        b.putShort((short) sport).putShort((short) dport).putInt((int) seq).putInt((int) ack)
                .put((byte) 0x50).put((byte) flags).putShort((short) 65535).putInt(0);
        return b.array();
    }

    /**
     * Prints the connection records of the example capture.
     *
     * @param args unused
     * @throws Exception if the tracker fails
     */
    public static void main(String[] args) throws Exception {
        FlowTracker tracker = FlowTracker.builder()
                .ignoreChecksums(true)   // the hand-made packets above carry no checksums
                .connectionListener(CustomSource::print)
                .build();
        try (PacketSource source = new CustomSource()) {
            tracker.run(source);
        }
        tracker.close();
    }

    private static void print(Connection c) {
        System.out.printf("%s %s:%d -> %s:%d %s %s %s orig_bytes=%d resp_bytes=%d%n", c.uid(),
                c.origAddress().getHostAddress(), c.origPort(), c.respAddress().getHostAddress(), c.respPort(),
                c.protocol().zeekName(), c.state(), c.history(), c.origBytes(), c.respBytes());
    }
}
