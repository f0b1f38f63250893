package io.flowkit.bench;

import io.flowkit.Compressor;
import io.flowkit.FlowTracker;
import io.flowkit.LinkType;
import java.nio.ByteBuffer;

/**
 * Measures the heap a tracker holds per concurrent connection: opens 1,000,000 IPv4 TCP
 * connections (SYN, SYN-ACK, ACK each), or with {@code udp} 1,000,000 UDP flows (one datagram
 * each way), all within two seconds of network time, so none expires and none is evicted, and
 * divides the growth of the used heap, after full GCs, by the number of connections.
 * Everything the tracker keeps counts: table, index, timer wheel, every
 * per-connection column and the tracker's fixed tables.
 *
 * <p>Measured with {@code -XX:+UseSerialGC} (JDK 17): <b>127 bytes per TCP connection and 95
 * per UDP flow</b> at 1,000,000 (129 at 250,000, where the tracker's fixed tables weigh more);
 * TCP connections between IPv6 addresses ({@code ipv6}) take 161. By component, per TCP
 * connection: the table's slab row 80 (key 16, the per-packet state of {@code Connections} 64,
 * where the attempt and expire deadlines share the word a UDP flow counts payload bytes in),
 * index 6 (one and a half int entries per slot), timer wheel 8 (two links; the wheel reads
 * deadlines from the row), TCP row 32 (8 ints:
 * per side flags with the retransmission counter and the reassembly and trim points as
 * differences, start, last and acknowledged sequence numbers); a UDP or ICMP flow has no TCP row;
 * tunnel state is one bit; an IPv6 key adds 32 bytes (a side store entry; 33.6 with the store's
 * doubling). It was 143 while the reassembly and trim points had an int each; 161 and 113
 * while the table kept a recency list (8 bytes) for eviction, the wheel its own copy of each
 * deadline (8) and the index a power-of-two length at load 1/2 (8.4). The TCP row was 80
 * bytes (193 per TCP connection) before the FIN sequence and the last RST position were derived
 * from the sequence numbers, the two deadlines shared a word and the retransmission counter moved
 * into the flags; before the per-packet state moved into rows (columns of 62.6 and a TCP row of
 * 76.8) it was 189 and 112; before the storage was compacted both took 306.
 *
 * <p>With {@code pending} (or {@code pending6} for IPv6) it measures the compressor's pending
 * table instead: that many unanswered SYNs from distinct sources within two seconds (none
 * expires), with the pending bound set to the same number, so the figure is the heap per entry
 * of a table filled to its bound.
 *
 * <p>Run it with:
 * <pre>{@code
 * mvn -B -q -pl flowkit-bench -am package -DskipTests
 * java -XX:+UseSerialGC -Xmx1g -cp flowkit-bench/target/benchmarks.jar io.flowkit.bench.FootprintMain [connections] [udp|ipv6]
 * java -Xmx256m -cp flowkit-bench/target/benchmarks.jar io.flowkit.bench.FootprintMain pending [entries]
 * }</pre>
 */
public final class FootprintMain {
    private FootprintMain() {
    }

    /**
     * Runs the measurement.
     *
     * @param args optional number of connections (default 1,000,000), then {@code udp} to open
     *             UDP flows (one packet each way, like DNS) instead of TCP connections, or
     *             {@code ipv6} to open the TCP connections between IPv6 addresses
     */
    public static void main(String[] args) {
        if (args.length > 0 && args[0].startsWith("pending")) {
            pending(args.length > 1 ? Integer.parseInt(args[1]) : 1_000_000, args[0].equals("pending6"));
            return;
        }
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        boolean udp = args.length > 1 && args[1].equals("udp");
        boolean ipv6 = args.length > 1 && args[1].equals("ipv6");
        long before = usedAfterGc();
        FlowTracker tracker = FlowTracker.builder().ignoreChecksums(true).maxConnections(n).build();
        ByteBuffer frame = ByteBuffer.allocate(80);
        long t = 1_700_000_000_000_000_000L;
        long step = 2_000_000_000L / (3L * n);
        for (int i = 0; i < n; i++) {
            int client = 0x0A000000 + (i >>> 10);
            int port = 1024 + (i & 1023);
            int server = 0xC0A80001;
            if (udp) {
                udp(frame, client, server, port, 53);
                tracker.onFrame(t += step, LinkType.RAW, frame, 0, 40, 40);
                udp(frame, server, client, 53, port);
                tracker.onFrame(t += step, LinkType.RAW, frame, 0, 40, 40);
                continue;
            }
            if (ipv6) {
                tcp6(frame, client, 1, port, 443, 0x02, 1000, 0);
                tracker.onFrame(t += step, LinkType.RAW, frame, 0, 60, 60);
                tcp6(frame, 1, client, 443, port, 0x12, 5000, 1001);
                tracker.onFrame(t += step, LinkType.RAW, frame, 0, 60, 60);
                tcp6(frame, client, 1, port, 443, 0x10, 1001, 5001);
                tracker.onFrame(t += step, LinkType.RAW, frame, 0, 60, 60);
                continue;
            }
            tcp(frame, client, server, port, 443, 0x02, 1000, 0);
            tracker.onFrame(t += step, LinkType.RAW, frame, 0, 40, 40);
            tcp(frame, server, client, 443, port, 0x12, 5000, 1001);
            tracker.onFrame(t += step, LinkType.RAW, frame, 0, 40, 40);
            tcp(frame, client, server, port, 443, 0x10, 1001, 5001);
            tracker.onFrame(t += step, LinkType.RAW, frame, 0, 40, 40);
        }
        long after = usedAfterGc();
        long active = tracker.stats().connectionsActive();
        System.out.printf("connections active: %d, evicted: %d%n", active, tracker.stats().connectionsEvicted());
        System.out.printf("heap held: %.1f MB, %.1f bytes per connection%n", (after - before) / 1e6,
                (after - before) / (double) active);
        tracker.close();
    }

    private static void pending(int n, boolean ipv6) {
        long before = usedAfterGc();
        FlowTracker tracker = FlowTracker.builder().ignoreChecksums(true)
                .compressor(Compressor.builder().maxPendingConnections(n).build()).build();
        ByteBuffer frame = ByteBuffer.allocate(80);
        long t = 1_700_000_000_000_000_000L;
        long step = 2_000_000_000L / n;
        int len = ipv6 ? 60 : 40;
        for (int i = 0; i < n; i++) {
            int client = 0x0A000000 + (i >>> 10);
            int port = 1024 + (i & 1023);
            if (ipv6) {
                tcp6(frame, client, 1, port, 443, 0x02, 1000, 0);
            } else {
                tcp(frame, client, 0xC0A80001, port, 443, 0x02, 1000, 0);
            }
            tracker.onFrame(t += step, LinkType.RAW, frame, 0, len, len);
        }
        long after = usedAfterGc();
        long pending = tracker.stats().pendingActive();
        System.out.printf("pending entries (IPv%d): %d, evicted: %d, full connections: %d%n", ipv6 ? 6 : 4, pending,
                tracker.stats().pendingEvictions(), tracker.stats().connectionsActive() - pending);
        System.out.printf("heap held: %.1f MB, %.1f bytes per pending entry%n", (after - before) / 1e6,
                (after - before) / (double) pending);
        tracker.close();
    }

    /** An IPv6 TCP segment from 2001:db8::{src} to 2001:db8::{dst}. */
    private static void tcp6(ByteBuffer b, int src, int dst, int sport, int dport, int flags, int seq, int ack) {
        b.putInt(0, 0x6000_0000);
        b.putShort(4, (short) 20);
        b.put(6, (byte) 6);
        b.put(7, (byte) 64);
        b.putLong(8, 0x2001_0db8_0000_0000L);
        b.putLong(16, src);
        b.putLong(24, 0x2001_0db8_0000_0000L);
        b.putLong(32, dst);
        b.putShort(40, (short) sport);
        b.putShort(42, (short) dport);
        b.putInt(44, seq);
        b.putInt(48, ack);
        b.put(52, (byte) 0x50);
        b.put(53, (byte) flags);
        b.putShort(54, (short) 8192);
    }

    private static long usedAfterGc() {
        Runtime rt = Runtime.getRuntime();
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return rt.totalMemory() - rt.freeMemory();
    }

    private static void udp(ByteBuffer b, int src, int dst, int sport, int dport) {
        ip(b, 17, src, dst);
        b.putShort(20, (short) sport);
        b.putShort(22, (short) dport);
        b.putShort(24, (short) 20);
        b.putShort(26, (short) 0);
    }

    private static void tcp(ByteBuffer b, int src, int dst, int sport, int dport, int flags, int seq, int ack) {
        ip(b, 6, src, dst);
        b.putShort(20, (short) sport);
        b.putShort(22, (short) dport);
        b.putInt(24, seq);
        b.putInt(28, ack);
        b.put(32, (byte) 0x50);
        b.put(33, (byte) flags);
        b.putShort(34, (short) 8192);
    }

    private static void ip(ByteBuffer b, int proto, int src, int dst) {
        b.put(0, (byte) 0x45);
        b.putShort(2, (short) 40);
        b.put(8, (byte) 64);
        b.put(9, (byte) proto);
        b.putShort(10, (short) 0);
        b.putInt(12, src);
        b.putInt(16, dst);
        int sum = 0;
        for (int i = 0; i < 20; i += 2) {
            sum += b.getShort(i) & 0xFFFF;
        }
        sum = (sum & 0xFFFF) + (sum >>> 16);
        sum = (sum & 0xFFFF) + (sum >>> 16);
        b.putShort(10, (short) ~sum);
    }
}
