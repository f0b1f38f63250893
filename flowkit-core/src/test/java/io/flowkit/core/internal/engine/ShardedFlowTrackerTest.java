package io.flowkit.core.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flowkit.CloseReason;
import io.flowkit.Connection;
import io.flowkit.FlowTracker;
import io.flowkit.LinkType;
import io.flowkit.SkipReason;
import io.flowkit.TrackerConfig;
import io.flowkit.TrackerStats;
import io.flowkit.core.internal.decode.PacketView;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ShardedFlowTrackerTest {
    private static final long T0 = 1_700_000_000_000_000_000L;

    @Test
    void builderWithSeveralThreadsBuildsTheShardedTracker() {
        try (FlowTracker t = FlowTracker.builder().threads(2).build()) {
            assertThat(t).isInstanceOf(ShardedFlowTracker.class);
        }
    }

    @Test
    void bothDirectionsOfAnAddressPairGoToOneShard() {
        SplittableRandom r = new SplittableRandom(3);
        for (int i = 0; i < 10_000; i++) {
            long srcHi = r.nextBoolean() ? 0 : r.nextLong();
            long srcLo = r.nextLong();
            long dstHi = r.nextBoolean() ? 0 : r.nextLong();
            long dstLo = r.nextLong();
            int shards = 1 + r.nextInt(8);
            int forward = ShardedFlowTracker.shardOf(srcHi, srcLo, dstHi, dstLo, shards);
            assertThat(ShardedFlowTracker.shardOf(dstHi, dstLo, srcHi, srcLo, shards)).isEqualTo(forward)
                    .isBetween(0, shards - 1);
        }
    }

    @Test
    void clientsOfFewServersSpreadOverTheEnginesByTheirShares() {
        // 4 engines: the calling thread's takes 1 part in 7, each engine thread 2
        int[] count = new int[4];
        for (int i = 0; i < 70_000; i++) {
            long client = PacketView.IPV4_MAPPED_PREFIX | (0x0A000000L + i);
            long server = PacketView.IPV4_MAPPED_PREFIX | (0xC6336400L + i % 20);
            count[ShardedFlowTracker.shardOf(0, client, 0, server, 4)]++;
        }
        assertThat(count[0]).isBetween(9_000, 11_000);
        for (int k = 1; k < 4; k++) {
            assertThat(count[k]).isBetween(18_500, 21_500);
        }
    }

    @Test
    void boundSharesFollowTheHashSharesAndCoverTheBound() {
        assertThat(ShardedFlowTracker.share(6, 0, 2)).isEqualTo(2);
        assertThat(ShardedFlowTracker.share(6, 1, 2)).isEqualTo(4);
        assertThat(ShardedFlowTracker.share(1_100_000, 0, 2)).isEqualTo(366_667);
        assertThat(ShardedFlowTracker.share(1_100_000, 1, 2)).isEqualTo(733_334);
        assertThat(ShardedFlowTracker.share(1, 0, 4)).isEqualTo(1);
        assertThat(ShardedFlowTracker.share(Integer.MAX_VALUE, 1, 2)).isEqualTo(1_431_655_765);
        for (int n = 1; n <= 256; n++) {
            long sum = 0;
            for (int k = 0; k < n; k++) {
                sum += ShardedFlowTracker.share(250_000, k, n);
            }
            assertThat(sum).isBetween(250_000L, 250_000L + n);
        }
    }

    @Test
    void deliversEveryRecordOnTheCallingThreadWithDistinctUids() {
        List<Connection> out = new ArrayList<>();
        Set<Thread> threads = new HashSet<>();
        FlowTracker t = FlowTracker.builder().threads(3).ignoreChecksums(true).uidSeed(7)
                .connectionListener(c -> {
                    out.add(c);
                    threads.add(Thread.currentThread());
                }).build();
        ByteBuffer b = ByteBuffer.allocate(2048);
        int flows = 20_000;
        for (int i = 0; i < flows; i++) {
            int n = RawFrames.udp(b, 0, 0x0A000000 | i, 0x0A100001, 10_000 + i % 50_000, 53, 40);
            t.onFrame(T0 + i * 1_000L, LinkType.RAW, b, 0, n, n);
            n = RawFrames.udp(b, 0, 0x0A100001, 0x0A000000 | i, 53, 10_000 + i % 50_000, 80);
            t.onFrame(T0 + i * 1_000L + 500, LinkType.RAW, b, 0, n, n);
        }
        t.close();
        assertThat(out).hasSize(flows);
        assertThat(threads).containsExactly(Thread.currentThread());
        assertThat(out.stream().map(Connection::uid).distinct().count()).isEqualTo(flows);
        assertThat(out).allSatisfy(c -> {
            assertThat(c.origPackets()).isEqualTo(1);
            assertThat(c.respPackets()).isEqualTo(1);
            assertThat(c.closeReason()).isEqualTo(CloseReason.END_OF_INPUT);
        });
        TrackerStats s = t.stats();
        assertThat(s.packets()).isEqualTo(2L * flows);
        assertThat(s.connectionsCreated()).isEqualTo(flows);
        assertThat(s.connectionsClosed()).isEqualTo(flows);
        assertThat(s.connectionsActive()).isZero();
    }

    @Test
    void idleShardsExpireConnectionsWhenTimeAdvances() {
        List<Connection> out = new ArrayList<>();
        FlowTracker t = FlowTracker.builder().threads(2).ignoreChecksums(true).connectionListener(out::add).build();
        ByteBuffer b = ByteBuffer.allocate(2048);
        for (int i = 0; i < 100; i++) {
            int n = RawFrames.udp(b, 0, 0x0A000001 + i, 0x0A100001, 5000, 53, 10);
            t.onFrame(T0, LinkType.RAW, b, 0, n, n);
        }
        t.advanceTime(T0 + 120_000_000_000L);
        t.close();
        assertThat(out).hasSize(100).allSatisfy(c ->
                assertThat(c.closeReason()).isEqualTo(CloseReason.INACTIVITY_TIMEOUT));
    }

    @Test
    void countsUndecodableFramesAndKeepsGoing() {
        List<Connection> out = new ArrayList<>();
        FlowTracker t = FlowTracker.builder().threads(2).ignoreChecksums(true).connectionListener(out::add).build();
        ByteBuffer b = ByteBuffer.allocate(2048);
        t.onFrame(T0, LinkType.RAW, b, 0, 3, 3); // skipped by the calling thread: IP version 0
        int n = RawFrames.tcp(b, 0, 0x0A000001, 0x0A000002, 40000, 80, 0x02, 100, 0, 0);
        t.onFrame(T0 + 1, LinkType.RAW, b, 0, n, n);
        RawFrames.tcp(b, 0, 0x0A000003, 0x0A000004, 40000, 80, 0x02, 100, 0, 0);
        b.putShort(2, (short) 30);
        RawFrames.fixChecksum(b, 0);
        t.onFrame(T0 + 2, LinkType.RAW, b, 0, 30, 30); // skipped by a shard: 10 bytes of TCP header
        t.close();
        assertThat(t.stats().skipped(SkipReason.BAD_IP_VERSION)).isEqualTo(1);
        assertThat(t.stats().skipped(SkipReason.TRUNCATED_TRANSPORT_HEADER)).isEqualTo(1);
        assertThat(t.stats().skippedTotal()).isEqualTo(2);
        assertThat(out).hasSize(1);
    }

    @Test
    void closeIsIdempotentAndLaterFramesAreRefused() {
        FlowTracker t = FlowTracker.builder().threads(2).build();
        t.close();
        t.close();
        ByteBuffer b = ByteBuffer.allocate(64);
        assertThatThrownBy(() -> t.onFrame(T0, LinkType.RAW, b, 0, 20, 20))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
    }

    @Test
    void aThrowingListenerIsCountedAndTheOthersStillRun() {
        List<Connection> out = new ArrayList<>();
        FlowTracker t = FlowTracker.builder().threads(2).ignoreChecksums(true)
                .connectionListener(c -> {
                    throw new IllegalStateException("boom");
                })
                .connectionListener(out::add).build();
        ByteBuffer b = ByteBuffer.allocate(2048);
        for (int i = 0; i < 10; i++) {
            int n = RawFrames.udp(b, 0, 0x0A000001 + i, 0x0A100001, 5000, 53, 10);
            t.onFrame(T0, LinkType.RAW, b, 0, n, n);
        }
        t.close();
        assertThat(out).hasSize(10);
        assertThat(t.stats().listenerFailures()).isEqualTo(10);
    }

    /** Returns {@code count} clients of 10.0.x.x whose address pair with 10.16.0.1 goes to engine {@code engine} of 2. */
    private static int[] clientsOfEngine(int engine, int count) {
        int[] clients = new int[count];
        for (int i = 1, found = 0; found < count; i++) {
            int client = 0x0A000000 | i;
            if (ShardedFlowTracker.shardOf(0, PacketView.IPV4_MAPPED_PREFIX | (client & 0xFFFF_FFFFL), 0,
                    PacketView.IPV4_MAPPED_PREFIX | 0x0A100001L, 2) == engine) {
                clients[found++] = client;
            }
        }
        return clients;
    }

    @Test
    void callingThreadsEngineExpiresItsConnectionsOnTheNextFrameOfAnyEngine() {
        List<Connection> out = new ArrayList<>();
        FlowTracker t = FlowTracker.builder().threads(2).ignoreChecksums(true).connectionListener(out::add).build();
        ByteBuffer b = ByteBuffer.allocate(2048);
        for (int client : clientsOfEngine(0, 50)) {
            int n = RawFrames.udp(b, 0, client, 0x0A100001, 5000, 53, 10);
            t.onFrame(T0, LinkType.RAW, b, 0, n, n);
        }
        assertThat(out).isEmpty();
        // one frame for the other engine, past the UDP inactivity timeout: as with one thread, the
        // connections of the calling thread's engine expire before it is processed, inside onFrame
        int client = clientsOfEngine(1, 1)[0];
        int n = RawFrames.udp(b, 0, client, 0x0A100001, 5000, 53, 10);
        t.onFrame(T0 + 120_000_000_000L, LinkType.RAW, b, 0, n, n);
        assertThat(out).hasSize(50).allSatisfy(c ->
                assertThat(c.closeReason()).isEqualTo(CloseReason.INACTIVITY_TIMEOUT));
        t.close();
        assertThat(out).hasSize(51);
        assertThat(out.get(50).closeReason()).isEqualTo(CloseReason.END_OF_INPUT);
    }

    @Test
    void closeWithAFullRingDeliversEveryRecordOfBothEngines() {
        List<Connection> out = new ArrayList<>();
        // a ring of 16 frames fills at once; each engine holds one connection (its share of 1,
        // rounded up), so every new flow evicts the one before and each frame makes a record
        TrackerConfig config = FlowTracker.builder().threads(2).ignoreChecksums(true).maxConnections(1).uidSeed(9)
                .connectionListener(out::add).config();
        FlowTracker t = new ShardedFlowTracker(config, null, 16, 1024, DefaultFlowTracker.LOOK_AHEAD_FROM);
        ByteBuffer b = ByteBuffer.allocate(2048);
        int flows = 20_000;
        int[] perEngine = new int[2];
        for (int i = 0; i < flows; i++) {
            int client = 0x0A000000 | (i + 1);
            perEngine[ShardedFlowTracker.shardOf(0, PacketView.IPV4_MAPPED_PREFIX | (client & 0xFFFF_FFFFL), 0,
                    PacketView.IPV4_MAPPED_PREFIX | 0x0A100001L, 2)]++;
            int n = RawFrames.udp(b, 0, client, 0x0A100001, 5000, 53, 200);
            t.onFrame(T0 + i * 1_000L, LinkType.RAW, b, 0, n, n);
        }
        t.close();
        assertThat(perEngine[0]).isPositive();
        assertThat(perEngine[1]).isPositive();
        assertThat(out).hasSize(flows);
        assertThat(out.stream().filter(c -> c.closeReason() == CloseReason.EVICTED).count()).isEqualTo(flows - 2);
        assertThat(out.stream().map(c -> c.origAddress().getHostAddress()).distinct().count()).isEqualTo(flows);
        TrackerStats s = t.stats();
        assertThat(s.connectionsCreated()).isEqualTo(flows);
        assertThat(s.connectionsEvicted()).isEqualTo(flows - 2);
        assertThat(s.connectionsActive()).isZero();
    }

    /** Writes one IPv4 fragment of a UDP datagram from 10.0.x.x to 10.16.0.1: {@code data} bytes at {@code offset}. */
    private static int fragment(ByteBuffer b, int client, int id, int offset, int data, boolean more) {
        int len = 20 + data;
        b.put(0, (byte) 0x45);
        b.put(1, (byte) 0);
        b.putShort(2, (short) len);
        b.putShort(4, (short) id);
        b.putShort(6, (short) ((more ? 0x2000 : 0) | offset / 8));
        b.put(8, (byte) 64);
        b.put(9, (byte) 17);
        b.putInt(12, client);
        b.putInt(16, 0x0A100001);
        for (int i = 0; i < data; i++) {
            b.put(20 + i, (byte) (offset + i));
        }
        if (offset == 0) {
            b.putShort(20, (short) 5353);
            b.putShort(22, (short) 53);
            b.putShort(24, (short) 1008); // UDP length: 8 + 1000 bytes of payload
            b.putShort(26, (short) 0);
        }
        RawFrames.fixChecksum(b, 0);
        return len;
    }

    private static List<String> summaries(List<Connection> records) {
        return records.stream().map(c -> c.origAddress().getHostAddress() + " " + c.origPort() + " " + c.respPort() + " "
                + c.origPackets() + " " + c.origBytes() + " " + c.respPackets() + " " + c.respBytes() + " "
                + c.history() + " " + c.state()).sorted().toList();
    }

    @Test
    void reassemblesFragmentsWhoseLaterPiecesCarryNoPorts() {
        int datagrams = 2_000;
        List<List<String>> results = new ArrayList<>();
        for (int threads : new int[] {1, 2}) {
            List<Connection> out = new ArrayList<>();
            FlowTracker t = FlowTracker.builder().threads(threads).ignoreChecksums(true).connectionListener(out::add)
                    .build();
            ByteBuffer b = ByteBuffer.allocate(2048);
            for (int i = 0; i < datagrams; i++) {
                int client = 0x0A000000 | (i + 1);
                int n = fragment(b, client, i, 0, 512, true);
                t.onFrame(T0 + i * 10_000L, LinkType.RAW, b, 0, n, n);
                n = fragment(b, client, i, 512, 496, false);
                t.onFrame(T0 + i * 10_000L + 1_000, LinkType.RAW, b, 0, n, n);
            }
            t.close();
            assertThat(t.stats().fragments()).isEqualTo(2L * datagrams);
            assertThat(t.stats().reassembledDatagrams()).isEqualTo(datagrams);
            assertThat(out).hasSize(datagrams).allSatisfy(c -> {
                assertThat(c.origPackets()).isEqualTo(1);
                assertThat(c.origBytes()).isEqualTo(1000);
            });
            results.add(summaries(out));
        }
        assertThat(results.get(1)).isEqualTo(results.get(0));
    }

    @ParameterizedTest(name = "engine threads look ahead from {0} open connections")
    @ValueSource(ints = {DefaultFlowTracker.LOOK_AHEAD_FROM, 0})
    void givesTheRecordsOfOneThreadWhenFramesWrapOverflowAndExceedASmallRing(int lookAheadFrom) {
        List<List<String>> results = new ArrayList<>();
        for (int threads : new int[] {1, 2}) {
            List<Connection> out = new ArrayList<>();
            TrackerConfig config = FlowTracker.builder().threads(threads).ignoreChecksums(true)
                    .connectionListener(out::add).config();
            FlowTracker t = threads == 1 ? FlowTracker.builder().ignoreChecksums(true).connectionListener(out::add)
                    .build() : new ShardedFlowTracker(config, null, 16, 1024, lookAheadFrom);
            ByteBuffer b = ByteBuffer.allocateDirect(2048);
            SplittableRandom r = new SplittableRandom(11);
            for (int i = 0; i < 5_000; i++) {
                int client = 0x0A000000 | (1 + r.nextInt(300));
                int payload = r.nextInt(5) == 0 ? 1200 + r.nextInt(200) : r.nextInt(400); // some exceed 1024 bytes
                int n = r.nextBoolean() ? RawFrames.udp(b, 0, client, 0x0A100001, 7000, 53, payload)
                        : RawFrames.udp(b, 0, 0x0A100001, client, 53, 7000, payload);
                t.onFrame(T0 + i * 1_000L, LinkType.RAW, b, 0, n, n);
            }
            t.close();
            assertThat(t.stats().packets()).isEqualTo(5_000);
            results.add(summaries(out));
        }
        assertThat(results.get(0)).hasSize(300);
        assertThat(results.get(1)).isEqualTo(results.get(0));
    }

    /**
     * {@code run} with the reader holding its own frames back for look-ahead (from 0 open
     * connections, so always) gives the records of one thread, and of the sharded tracker that
     * never holds frames back: random TCP and UDP traffic among 400 clients with idle gaps past the
     * UDP and attempt timeouts (so timers fire while frames wait), undecodable frames, and a source
     * that advances time between polls.
     */
    @Test
    void runGivesTheRecordsOfOneThreadWhileTheReaderHoldsItsFramesBack() throws java.io.IOException {
        SplittableRandom r = new SplittableRandom(23);
        List<byte[]> frames = new ArrayList<>();
        List<Long> times = new ArrayList<>();
        ByteBuffer b = ByteBuffer.allocate(2048);
        long t = T0;
        for (int i = 0; i < 20_000; i++) {
            t += r.nextInt(50) == 0 ? 70_000_000_000L + r.nextInt(1_000_000) : 1_000L + r.nextInt(2_000_000);
            int client = 0x0A000000 | (1 + r.nextInt(400));
            int server = 0x0A100001 + r.nextInt(3);
            boolean fromClient = r.nextBoolean();
            int n;
            if (r.nextInt(200) == 0) {
                n = 3; // not an IP packet: skipped by the router
                b.put(0, (byte) 0);
            } else if (r.nextBoolean()) {
                int flags = new int[] {0x02, 0x12, 0x10, 0x18, 0x11, 0x04}[r.nextInt(6)];
                int sport = fromClient ? 40_000 + r.nextInt(4) : 443;
                int dport = fromClient ? 443 : 40_000 + r.nextInt(4);
                n = RawFrames.tcp(b, 0, fromClient ? client : server, fromClient ? server : client, sport, dport, flags,
                        r.nextInt(1 << 20), r.nextInt(1 << 20), (flags & 0x08) != 0 ? r.nextInt(300) : 0);
            } else {
                n = fromClient ? RawFrames.udp(b, 0, client, server, 7000, 53, r.nextInt(200))
                        : RawFrames.udp(b, 0, server, client, 53, 7000, r.nextInt(200));
            }
            byte[] f = new byte[n];
            b.get(0, f);
            frames.add(f);
            times.add(t);
        }
        List<List<String>> results = new ArrayList<>();
        for (int lookAheadFrom : new int[] {-1, Integer.MAX_VALUE, 0}) {
            List<Connection> out = new ArrayList<>();
            TrackerConfig config = FlowTracker.builder().threads(lookAheadFrom < 0 ? 1 : 2).ignoreChecksums(true)
                    .connectionListener(out::add).config();
            FlowTracker tracker = lookAheadFrom < 0 ? new DefaultFlowTracker(config, null)
                    : new ShardedFlowTracker(config, null, 16, 1024, lookAheadFrom);
            tracker.run(new io.flowkit.PacketSource() {
                private final ByteBuffer direct = ByteBuffer.allocateDirect(2048);
                private int next;

                @Override
                public int poll(io.flowkit.FrameHandler handler, int maxFrames) {
                    if (next == frames.size()) {
                        return END_OF_INPUT;
                    }
                    int end = Math.min(frames.size(), next + Math.min(maxFrames, 1 + (next * 7) % 97));
                    int polled = end - next;
                    for (; next < end; next++) {
                        byte[] f = frames.get(next);
                        direct.put(0, f);
                        handler.onFrame(times.get(next), LinkType.RAW, direct.asReadOnlyBuffer(), 0, f.length, f.length);
                    }
                    if (next % 5 == 0) {
                        handler.advanceTime(times.get(next - 1) + 500_000L);
                    }
                    return polled;
                }

                @Override
                public String name() {
                    return "random";
                }

                @Override
                public void close() {
                }
            });
            tracker.close();
            assertThat(tracker.stats().packets()).isEqualTo(frames.size());
            results.add(out.stream().map(c -> c.origAddress().getHostAddress() + " " + c.origPort() + " "
                    + c.respAddress().getHostAddress() + " " + c.respPort() + " " + c.startNanos() + " "
                    + c.durationNanos() + " " + c.origPackets() + " " + c.origBytes() + " " + c.respPackets() + " "
                    + c.respBytes() + " " + c.history() + " " + c.state() + " " + c.closeReason()).sorted().toList());
        }
        assertThat(results.get(0)).hasSizeGreaterThan(2_000);
        assertThat(results.get(1)).isEqualTo(results.get(0));
        assertThat(results.get(2)).isEqualTo(results.get(0));
    }

    /**
     * A source that fails after some frames: {@code run} rethrows its exception, and the frames it
     * delivered before, including those the reader held back for look-ahead, are all tracked, with
     * one thread and with two (holding back from 0 open connections).
     */
    @Test
    void runTracksTheFramesHeldBackWhenTheSourceFails() {
        for (int threads : new int[] {1, 2}) {
            List<Connection> out = new ArrayList<>();
            TrackerConfig config = FlowTracker.builder().threads(threads).ignoreChecksums(true)
                    .connectionListener(out::add).config();
            FlowTracker t = threads == 1 ? new DefaultFlowTracker(config, null, 0)
                    : new ShardedFlowTracker(config, null, 16, 1024, 0);
            ByteBuffer b = ByteBuffer.allocateDirect(2048);
            io.flowkit.PacketSource failing = new io.flowkit.PacketSource() {
                private int polls;

                @Override
                public int poll(io.flowkit.FrameHandler handler, int maxFrames) throws java.io.IOException {
                    if (polls++ == 3) {
                        for (int i = 0; i < 10; i++) { // handed over, then the source fails in the same poll
                            int n = RawFrames.udp(b, 0, 0x0B000000 | i, 0x0A100001, 7000, 53, 20);
                            handler.onFrame(T0 + 10_000_000L + i, LinkType.RAW, b.asReadOnlyBuffer(), 0, n, n);
                        }
                        throw new java.io.IOException("disk gone");
                    }
                    for (int i = 0; i < 50; i++) {
                        int n = RawFrames.udp(b, 0, 0x0A000000 | (polls * 50 + i), 0x0A100001, 7000, 53, 20);
                        handler.onFrame(T0 + polls * 1_000_000L + i, LinkType.RAW, b.asReadOnlyBuffer(), 0, n, n);
                    }
                    return 50;
                }

                @Override
                public String name() {
                    return "failing";
                }

                @Override
                public void close() {
                }
            };
            assertThatThrownBy(() -> t.run(failing)).isInstanceOf(java.io.IOException.class).hasMessage("disk gone");
            t.close();
            assertThat(t.stats().packets()).as("threads %d", threads).isEqualTo(160);
            assertThat(out).as("threads %d", threads).hasSize(160)
                    .allSatisfy(c -> assertThat(c.origPackets()).isEqualTo(1));
        }
    }

    @Test
    void linksResumedFlowsInEveryShardAndSumsTheShardsResumeCounters() {
        int flows = 200;
        for (int capacity : new int[] {flows, 3}) {
            List<Connection> out = new ArrayList<>();
            FlowTracker t = FlowTracker.builder().threads(3).ignoreChecksums(true).uidSeed(5)
                    .linkResumed(Duration.ofHours(24)).resumeCapacity(capacity).connectionListener(out::add).build();
            ByteBuffer b = ByteBuffer.allocate(2048);
            for (long at : new long[] {T0, T0 + 1_800_000_000_000L}) { // 30 minutes apart: each flow expires
                for (int i = 0; i < flows; i++) {
                    int n = RawFrames.udp(b, 0, 0x0A000000 | i, 0x0A100001, 20_000 + i, 53, 40);
                    t.onFrame(at + i * 1_000L, LinkType.RAW, b, 0, n, n);
                }
            }
            t.close();
            TrackerStats s = t.stats();
            List<Connection> linked = out.stream().filter(c -> c.resumedFrom() != null).toList();
            assertThat(linked).hasSize((int) s.resumeLinks());
            assertThat(s.resumeExpired()).isZero();
            Set<String> uids = new HashSet<>();
            out.forEach(c -> uids.add(c.uid()));
            assertThat(uids).hasSize(2 * flows);
            assertThat(linked).allSatisfy(c -> assertThat(out).anySatisfy(first -> {
                assertThat(first.uid()).isEqualTo(c.resumedFrom());
                assertThat(first.origPort()).isEqualTo(c.origPort());
            }));
            // engine 0 remembers ceil(capacity / 5) of the flows whose address pairs hash to it, the
            // others ceil(2 * capacity / 5)
            int[] share = new int[3];
            for (int i = 0; i < flows; i++) {
                share[ShardedFlowTracker.shardOf(0, PacketView.IPV4_MAPPED_PREFIX | (0x0A000000L | i), 0,
                        PacketView.IPV4_MAPPED_PREFIX | 0x0A100001L, 3)]++;
            }
            long links = Math.min(share[0], (capacity + 4) / 5);
            for (int k = 1; k < 3; k++) {
                links += Math.min(share[k], (2 * capacity + 4) / 5);
            }
            assertThat(s.resumeLinks()).isEqualTo(links);
            assertThat(s.resumeDropped()).isEqualTo(flows - links);
        }
    }
}
