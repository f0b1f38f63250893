package io.flowkit.core.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flowkit.CloseReason;
import io.flowkit.Connection;
import io.flowkit.ConnectionListener;
import io.flowkit.FlowTracker;
import io.flowkit.LinkType;
import io.flowkit.TrackerConfig;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Progress events for long-lived connections, driven by network time only. */
class ProgressEventsTest {
    private static final long T0 = 1_700_000_000_000_000_000L;
    private static final long MINUTE = 60_000_000_000L;
    private static final int CLIENT = 0x0A000001;
    private static final int SERVER = 0x0A000002;

    final List<Connection> progress = new ArrayList<>();
    final List<Connection> closed = new ArrayList<>();
    final ConnectionListener listener = new ConnectionListener() {
        @Override
        public void onConnectionClosed(Connection connection) {
            closed.add(connection);
        }

        @Override
        public void onConnectionProgress(Connection connection) {
            progress.add(connection);
        }
    };
    final ByteBuffer b = ByteBuffer.allocate(2048);

    private FlowTracker tracker(Duration... ages) {
        return FlowTracker.builder().ignoreChecksums(true).uidSeed(3).progressAges(ages)
                .tcpInactivityTimeout(Duration.ofHours(2)).connectionListener(listener).build();
    }

    /** A client data packet every 4 minutes for {@code minutes}, after a handshake at T0. */
    private long session(FlowTracker t, int sport, long start, int minutes) {
        int n = RawFrames.tcp(b, 0, CLIENT, SERVER, sport, 443, 0x02, 100, 0, 0);
        t.onFrame(start, LinkType.RAW, b, 0, n, n);
        n = RawFrames.tcp(b, 0, SERVER, CLIENT, 443, sport, 0x12, 500, 101, 0);
        t.onFrame(start + 1000, LinkType.RAW, b, 0, n, n);
        int seq = 101;
        long ts = start;
        for (int m = 4; m <= minutes; m += 4) {
            ts = start + m * MINUTE;
            n = RawFrames.tcp(b, 0, CLIENT, SERVER, sport, 443, 0x18, seq, 501, 10);
            t.onFrame(ts, LinkType.RAW, b, 0, n, n);
            seq += 10;
        }
        return ts;
    }

    @Test
    void firesAtTenMinutesThenEveryHourWithCountsSoFar() {
        FlowTracker t = tracker(TrackerConfig.DEFAULT_PROGRESS_AGES.toArray(new Duration[0]));
        long end = session(t, 40000, T0, 200); // 3 h 20 min
        assertThat(progress).hasSize(4); // 10 min, 1 h, 2 h, 3 h
        String uid = progress.get(0).uid();
        assertThat(progress).allSatisfy(p -> {
            assertThat(p.uid()).isEqualTo(uid);
            assertThat(p.closeReason()).isEqualTo(CloseReason.STILL_OPEN);
        });
        // the 10-minute snapshot has seen the data packets at 4 and 8 minutes
        assertThat(progress.get(0).origBytes()).isEqualTo(20);
        // timers due by a packet's time fire before it: the 1-hour snapshot has 4..56 minutes
        assertThat(progress.get(1).origBytes()).isEqualTo(14 * 10);
        assertThat(progress.get(3).origBytes()).isEqualTo(44 * 10); // packets at 4..176 min
        assertThat(progress.get(3).durationNanos()).isEqualTo(176 * MINUTE);
        assertThat(closed).isEmpty();
        t.advanceTime(end + 3 * 60 * MINUTE);
        assertThat(closed).hasSize(1);
        assertThat(closed.get(0).uid()).isEqualTo(uid);
        assertThat(closed.get(0).origBytes()).isEqualTo(50 * 10);
        // idle but still open (2-hour timeout) at 4 h and 5 h: two more snapshots, then the close
        assertThat(progress).hasSize(6);
        assertThat(progress.get(5).origBytes()).isEqualTo(50 * 10);
    }

    @Test
    void neverFiresForShortConnectionsOrWhenOff() {
        FlowTracker t = tracker(TrackerConfig.DEFAULT_PROGRESS_AGES.toArray(new Duration[0]));
        long end = session(t, 40001, T0, 8);
        int n = RawFrames.tcp(b, 0, SERVER, CLIENT, 443, 40001, 0x04, 501, 0, 0);
        t.onFrame(end + 1000, LinkType.RAW, b, 0, n, n); // reset after 8 minutes: closed before 10
        t.advanceTime(end + 3 * 60 * MINUTE);
        assertThat(closed).hasSize(1);
        assertThat(progress).isEmpty();

        FlowTracker off = tracker();
        session(off, 40002, T0, 200);
        off.close();
        assertThat(progress).isEmpty();
        assertThat(closed).hasSize(2);
    }

    @Test
    void customAgesRepeatTheLastAge() {
        FlowTracker t = tracker(Duration.ofMinutes(5), Duration.ofMinutes(20));
        session(t, 40003, T0, 64);
        // 5, 20, 40, 60 minutes; each snapshot precedes the packet sent at the same time
        assertThat(progress).extracting(Connection::origBytes).containsExactly(10L, 40L, 90L, 140L);
    }

    @Test
    void rejectsAgesThatDoNotIncreaseOrCombineWithThreads() {
        assertThatThrownBy(() -> FlowTracker.builder().progressAges(Duration.ofHours(1), Duration.ofMinutes(10)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("progressAges");
        assertThatThrownBy(() -> FlowTracker.builder().progressAges(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> FlowTracker.builder().threads(2).progressAges(Duration.ofHours(1)).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("threads");
    }

    @Test
    void progressTimersAddNoPerPacketAllocation() {
        FlowTracker t = FlowTracker.builder().ignoreChecksums(true)
                .progressAges(TrackerConfig.DEFAULT_PROGRESS_AGES.toArray(new Duration[0])).build();
        int flows = 1000;
        int frameSize = 64;
        ByteBuffer d = ByteBuffer.allocateDirect(flows * 2 * frameSize);
        int[] len = new int[flows * 2];
        for (int i = 0; i < flows; i++) {
            len[2 * i] = RawFrames.tcp(d, 2 * i * frameSize, CLIENT + i, SERVER, 40000 + i, 80, 0x18, 1000, 5000, 10);
            len[2 * i + 1] = RawFrames.tcp(d, (2 * i + 1) * frameSize, SERVER, CLIENT + i, 80, 40000 + i, 0x10, 5000,
                    1010, 0);
        }
        long ts = T0;
        for (int round = 0; round < 50; round++) {
            for (int f = 0; f < len.length; f++) {
                t.onFrame(ts += 1000, LinkType.RAW, d, f * frameSize, len[f], len[f]);
            }
        }
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long tid = Thread.currentThread().getId();
        long before = mx.getThreadAllocatedBytes(tid);
        int packets = 0;
        for (int round = 0; round < 200; round++) {
            for (int f = 0; f < len.length; f++) {
                t.onFrame(ts += 1000, LinkType.RAW, d, f * frameSize, len[f], len[f]);
                packets++;
            }
        }
        long allocated = mx.getThreadAllocatedBytes(tid) - before;
        assertThat(t.stats().connectionsActive()).isEqualTo(flows);
        assertThat(allocated).as("bytes allocated over %d packets", packets).isLessThan(packets / 100);
        t.close();
    }
}
