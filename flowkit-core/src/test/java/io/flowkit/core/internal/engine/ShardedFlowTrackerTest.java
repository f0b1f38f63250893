package io.flowkit.core.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flowkit.CloseReason;
import io.flowkit.Connection;
import io.flowkit.FlowTracker;
import io.flowkit.LinkType;
import io.flowkit.TrackerStats;
import io.flowkit.core.internal.decode.PacketView;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ShardedFlowTrackerTest {
    private static final long T0 = 1_700_000_000_000_000_000L;

    @Test
    void builderWithSeveralThreadsBuildsTheShardedTracker() {
        try (FlowTracker t = FlowTracker.builder().threads(2).build()) {
            assertThat(t).isInstanceOf(ShardedFlowTracker.class);
        }
    }

    @Test
    void bothDirectionsOfAConnectionGoToOneShard() {
        SplittableRandom r = new SplittableRandom(3);
        PacketView v = new PacketView();
        for (int i = 0; i < 10_000; i++) {
            v.clear();
            v.ipProto = new int[] {6, 17, 1, 58, 132}[r.nextInt(5)];
            v.srcHi = r.nextBoolean() ? 0 : r.nextLong();
            v.srcLo = r.nextLong();
            v.dstHi = r.nextBoolean() ? 0 : r.nextLong();
            v.dstLo = r.nextLong();
            v.srcPort = r.nextInt(65536);
            v.dstPort = r.nextInt(65536);
            int shards = 1 + r.nextInt(8);
            int forward = ShardedFlowTracker.shardOf(v, shards);
            long hi = v.srcHi;
            long lo = v.srcLo;
            int port = v.srcPort;
            v.srcHi = v.dstHi;
            v.srcLo = v.dstLo;
            v.srcPort = v.dstPort;
            v.dstHi = hi;
            v.dstLo = lo;
            v.dstPort = port;
            if (v.ipProto != 6 && v.ipProto != 17) {
                // ICMP and other protocols: the engine derives their "ports", so only addresses count
                v.srcPort = r.nextInt(256);
                v.dstPort = r.nextInt(256);
            }
            assertThat(ShardedFlowTracker.shardOf(v, shards)).isEqualTo(forward).isBetween(0, shards - 1);
        }
    }

    @Test
    void connectionsSpreadOverEveryShardEvenly() {
        int[] count = new int[4];
        PacketView v = new PacketView();
        for (int i = 0; i < 40_000; i++) {
            v.clear();
            v.ipProto = 6;
            v.srcLo = PacketView.IPV4_MAPPED_PREFIX | 0x0A000001L;
            v.dstLo = PacketView.IPV4_MAPPED_PREFIX | 0x0A000002L;
            v.srcPort = 1024 + i % 60_000;
            v.dstPort = 443;
            count[ShardedFlowTracker.shardOf(v, 4)]++;
        }
        for (int c : count) {
            assertThat(c).isBetween(9_000, 11_000);
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
        t.onFrame(T0, LinkType.RAW, b, 0, 3, 3);
        int n = RawFrames.tcp(b, 0, 0x0A000001, 0x0A000002, 40000, 80, 0x02, 100, 0, 0);
        t.onFrame(T0 + 1, LinkType.RAW, b, 0, n, n);
        t.close();
        assertThat(t.stats().skippedTotal()).isEqualTo(1);
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
}
