package io.flowkit.core.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flowkit.CloseReason;
import io.flowkit.ConnState;
import io.flowkit.Connection;
import io.flowkit.FlowTracker;
import io.flowkit.LinkType;
import io.flowkit.SkipReason;
import io.flowkit.TrackerStats;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class DefaultFlowTrackerTest {
    private static final long T0 = 1_700_000_000_000_000_000L;
    private static final int CLIENT = 0x0A000001;
    private static final int SERVER = 0x0A000002;

    @Test
    void builderFindsTheCoreEngineThroughTheServiceLoader() {
        try (FlowTracker t = FlowTracker.builder().build()) {
            assertThat(t).isInstanceOf(DefaultFlowTracker.class);
        }
    }

    @Test
    void turnsFramesIntoRecordsAndFillsEveryCounter() {
        List<Connection> out = new ArrayList<>();
        FlowTracker t = FlowTracker.builder().ignoreChecksums(true).uidSeed(1).connectionListener(out::add).build();
        ByteBuffer b = ByteBuffer.allocate(2048);
        int n = RawFrames.tcp(b, 0, CLIENT, SERVER, 40000, 80, 0x02, 100, 0, 0);
        t.onFrame(T0, LinkType.RAW, b, 0, n, n);
        n = RawFrames.tcp(b, 0, SERVER, CLIENT, 80, 40000, 0x14, 0, 101, 0);
        t.onFrame(T0 + 1_000_000, LinkType.RAW, b, 0, n, n);
        t.onFrame(T0 + 2_000_000, LinkType.RAW, b, 0, 3, 3); // cut inside the IP header
        n = RawFrames.udp(b, 0, CLIENT, SERVER, 5000, 53, 16);
        b.put(6, (byte) 0x20); // more fragments: held for reassembly
        RawFrames.fixChecksum(b, 0);
        t.onFrame(T0 + 2_000_000, LinkType.RAW, b, 0, n, n);
        TrackerStats before = t.stats();
        assertThat(before.packets()).isEqualTo(4);
        assertThat(before.skipped(SkipReason.FRAGMENT_HELD)).isEqualTo(1);
        assertThat(before.skipped(SkipReason.TRUNCATED_IP_HEADER)).isEqualTo(1);
        assertThat(before.connectionsCreated()).isEqualTo(1);
        assertThat(before.connectionsActive()).isEqualTo(1);
        assertThat(before.fragments()).isEqualTo(1);
        assertThat(t.networkTimeNanos()).isEqualTo(T0 + 2_000_000);
        t.advanceTime(T0 + 6_000_000_000L);
        assertThat(out).hasSize(1);
        assertThat(out.get(0).state()).isEqualTo(ConnState.REJ);
        t.close();
        t.close();
        TrackerStats after = t.stats();
        assertThat(after.connectionsClosed()).isEqualTo(1);
        assertThat(after.connectionsActive()).isZero();
        assertThat(after.connectionsPeak()).isEqualTo(1);
        assertThatThrownBy(() -> t.onFrame(T0, LinkType.RAW, b, 0, 3, 3)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void countsThrowingListenerAndStillCallsTheOthers() {
        List<Connection> second = new ArrayList<>();
        FlowTracker t = FlowTracker.builder().ignoreChecksums(true)
                .connectionListener(c -> {
                    throw new IllegalStateException("listener bug");
                })
                .connectionListener(second::add).build();
        ByteBuffer b = ByteBuffer.allocate(256);
        for (int i = 0; i < 3; i++) {
            int n = RawFrames.udp(b, 0, CLIENT + i, SERVER, 5000, 9999, 10);
            t.onFrame(T0 + i, LinkType.RAW, b, 0, n, n);
        }
        t.close();
        assertThat(second).hasSize(3);
        assertThat(t.stats().listenerFailures()).isEqualTo(3);
        assertThat(second).allMatch(c -> c.closeReason() == CloseReason.END_OF_INPUT);
    }

    @Test
    void allocatesNothingPerPacketInAWarmLoop() {
        FlowTracker t = FlowTracker.builder().ignoreChecksums(true).build();
        int flows = 1000;
        int frameSize = 64;
        ByteBuffer b = ByteBuffer.allocateDirect(flows * 2 * frameSize);
        int[] len = new int[flows * 2];
        for (int i = 0; i < flows; i++) {
            len[2 * i] = RawFrames.tcp(b, 2 * i * frameSize, CLIENT + i, SERVER, 40000 + i, 80, 0x18, 1000, 5000, 10);
            len[2 * i + 1] = RawFrames.tcp(b, (2 * i + 1) * frameSize, SERVER, CLIENT + i, 80, 40000 + i, 0x10, 5000,
                    1010, 0);
        }
        long ts = T0;
        // each round the clients send their next 10 bytes and the server acknowledges them: in-order
        // data, the steady state of a connection (replaying one segment would instead count
        // retransmissions, whose counter moves to a side map once per endpoint at the 64th)
        for (int round = 0; round < 50; round++) { // warm up: creates the connections, JIT compiles
            nextSegments(b, flows, frameSize, round);
            for (int f = 0; f < len.length; f++) {
                t.onFrame(ts += 1000, LinkType.RAW, b, f * frameSize, len[f], len[f]);
            }
        }
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long tid = Thread.currentThread().getId();
        long before = mx.getThreadAllocatedBytes(tid);
        int packets = 0;
        for (int round = 50; round < 250; round++) {
            nextSegments(b, flows, frameSize, round);
            for (int f = 0; f < len.length; f++) {
                t.onFrame(ts += 1000, LinkType.RAW, b, f * frameSize, len[f], len[f]);
                packets++;
            }
        }
        long allocated = mx.getThreadAllocatedBytes(tid) - before;
        assertThat(t.stats().connectionsActive()).isEqualTo(flows);
        assertThat(allocated).as("bytes allocated over %d packets", packets).isLessThan(packets / 100);
        t.close();
    }

    /** Rewrites the frames of round {@code round}: client segment {@code round} and its acknowledgement. */
    private static void nextSegments(ByteBuffer frames, int flows, int frameSize, int round) {
        for (int i = 0; i < flows; i++) {
            frames.putInt(2 * i * frameSize + 24, 1000 + 10 * round);
            frames.putInt((2 * i + 1) * frameSize + 28, 1010 + 10 * round);
        }
    }
}
