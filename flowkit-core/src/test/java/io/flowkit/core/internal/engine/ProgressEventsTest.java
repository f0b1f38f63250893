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
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Progress events for long-lived connections, driven by network time only, on one engine thread or several. */
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
    void rejectsAgesThatDoNotIncrease() {
        assertThatThrownBy(() -> FlowTracker.builder().progressAges(Duration.ofHours(1), Duration.ofMinutes(10)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("progressAges");
        assertThatThrownBy(() -> FlowTracker.builder().progressAges(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class);
    }

    /** One frame of the generated capture, written when fed. */
    private record Frame(long ts, int proto, int src, int dst, int sport, int dport, int flags, int seq, int ack,
                         int payload) {
    }

    /**
     * A capture of long-lived connections: 300 TCP sessions (some on 22/tcp, whose timeout is
     * 1 hour) and 80 UDP flows, starting over two hours, each sending every few minutes to an
     * hour for up to 12 exchanges, then ending with FIN, RST or nothing; the last frame comes
     * 90 minutes after every other, so shards that saw none of it must fire the progress ages
     * due in that gap at close, and some sessions are still open then.
     */
    private static List<Frame> longLivedCapture(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        List<Frame> frames = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            int client = 0x0A000000 | i;
            int server = 0x0A100000 | (i % 7);
            int sport = 20_000 + i;
            int dport = i % 5 == 0 ? 22 : 443;
            long t = T0 + r.nextLong(120 * MINUTE);
            int c = 1000;
            int sv = 9000;
            frames.add(new Frame(t, 6, client, server, sport, dport, 0x02, c, 0, 0));
            frames.add(new Frame(t + 1000, 6, server, client, dport, sport, 0x12, sv, c + 1, 0));
            c++;
            sv++;
            frames.add(new Frame(t + 2000, 6, client, server, sport, dport, 0x10, c, sv, 0));
            for (int k = r.nextInt(13); k > 0; k--) {
                t += (1 + r.nextInt(60)) * MINUTE;
                frames.add(new Frame(t, 6, client, server, sport, dport, 0x18, c, sv, 10));
                c += 10;
                frames.add(new Frame(t + 1000, 6, server, client, dport, sport, 0x18, sv, c, 20));
                sv += 20;
            }
            int end = r.nextInt(5);
            if (end < 2) {
                frames.add(new Frame(t + 5000, 6, client, server, sport, dport, 0x11, c, sv, 0));
                frames.add(new Frame(t + 6000, 6, server, client, dport, sport, 0x11, sv, c + 1, 0));
                frames.add(new Frame(t + 7000, 6, client, server, sport, dport, 0x10, c + 1, sv + 1, 0));
            } else if (end == 2) {
                frames.add(new Frame(t + 5000, 6, server, client, dport, sport, 0x04, sv, 0, 0));
            }
        }
        for (int i = 0; i < 80; i++) {
            int client = 0x0A200000 | i;
            long t = T0 + r.nextLong(120 * MINUTE);
            for (int k = 1 + r.nextInt(12); k > 0; k--) {
                frames.add(new Frame(t, 17, client, 0x0A300001, 30_000 + i, 5060, 0, 0, 0, 30));
                frames.add(new Frame(t + 2000, 17, 0x0A300001, client, 5060, 30_000 + i, 0, 0, 0, 60));
                t += (1 + r.nextInt(25)) * MINUTE;
            }
        }
        frames.sort(Comparator.comparingLong(Frame::ts)); // stable: a connection's frames keep their order
        long last = frames.get(frames.size() - 1).ts();
        frames.add(new Frame(last + 90 * MINUTE, 17, 0x0A400001, 0x0A400002, 7, 7, 0, 0, 0, 1));
        return frames;
    }

    /** What a tracker told its listener: per connection (its key), the snapshots in order, then the record. */
    private record Heard(Map<String, List<String>> progress, Map<String, String> closed, int progressEvents) {
    }

    private static Heard hear(List<Frame> frames, int threads) {
        Map<String, List<String>> progress = new HashMap<>();
        Map<String, String> progressUid = new HashMap<>();
        Map<String, String> closed = new HashMap<>();
        int[] events = new int[1];
        Thread caller = Thread.currentThread();
        ConnectionListener l = new ConnectionListener() {
            @Override
            public void onConnectionProgress(Connection c) {
                assertThat(Thread.currentThread()).isSameAs(caller);
                assertThat(c.closeReason()).isEqualTo(CloseReason.STILL_OPEN);
                assertThat(closed).as("no snapshot after the record").doesNotContainKey(key(c));
                String uid = progressUid.putIfAbsent(key(c), c.uid());
                assertThat(uid == null ? c.uid() : uid).as("one uid for all snapshots").isEqualTo(c.uid());
                progress.computeIfAbsent(key(c), k -> new ArrayList<>()).add(counts(c));
                events[0]++;
            }

            @Override
            public void onConnectionClosed(Connection c) {
                assertThat(Thread.currentThread()).isSameAs(caller);
                assertThat(progressUid.getOrDefault(key(c), c.uid())).as("snapshots carry the record's uid")
                        .isEqualTo(c.uid());
                assertThat(closed.put(key(c), counts(c) + " " + c.closeReason())).isNull();
            }
        };
        FlowTracker t = FlowTracker.builder().threads(threads).ignoreChecksums(true).uidSeed(11)
                .tcpInactivityTimeout(Duration.ofHours(2)).udpInactivityTimeout(Duration.ofMinutes(30))
                .progressAges(TrackerConfig.DEFAULT_PROGRESS_AGES.toArray(new Duration[0]))
                .connectionListener(l).build();
        ByteBuffer b = ByteBuffer.allocate(2048);
        for (Frame f : frames) {
            int n = f.proto() == 6
                    ? RawFrames.tcp(b, 0, f.src(), f.dst(), f.sport(), f.dport(), f.flags(), f.seq(), f.ack(), f.payload())
                    : RawFrames.udp(b, 0, f.src(), f.dst(), f.sport(), f.dport(), f.payload());
            t.onFrame(f.ts(), LinkType.RAW, b, 0, n, n);
        }
        t.close();
        assertThat(progressUid.keySet()).as("every connection with snapshots was closed").isSubsetOf(closed.keySet());
        return new Heard(progress, closed, events[0]);
    }

    private static String key(Connection c) {
        return c.origAddress().getHostAddress() + ":" + c.origPort() + ">" + c.respAddress().getHostAddress() + ":"
                + c.respPort() + "/" + c.protocol() + "@" + c.startNanos();
    }

    private static String counts(Connection c) {
        return c.durationNanos() + " " + c.origBytes() + "/" + c.respBytes() + " " + c.origPackets() + "/"
                + c.respPackets() + " " + c.origIpBytes() + "/" + c.respIpBytes() + " " + c.history() + " "
                + c.state();
    }

    @ParameterizedTest(name = "threads({0})")
    @ValueSource(ints = {2, 3})
    void shardedTrackerDeliversTheSameSnapshotsAsOneThread(int threads) {
        List<Frame> frames = longLivedCapture(42);
        Heard one = hear(frames, 1);
        Heard sharded = hear(frames, threads);
        // the capture exercises what it should: many snapshots, idle ones, some due only at close
        assertThat(one.progressEvents()).isGreaterThan(500);
        assertThat(one.progress().values()).anySatisfy(l -> assertThat(l).hasSizeGreaterThan(4));
        assertThat(one.closed().values()).anySatisfy(r -> assertThat(r).endsWith("END_OF_INPUT"));
        assertThat(sharded.progressEvents()).isEqualTo(one.progressEvents());
        assertThat(sharded.progress()).isEqualTo(one.progress());
        assertThat(sharded.closed()).isEqualTo(one.closed());
    }

    @Test
    void shardedTrackerFiresTheAgesDueBeforeCloseOnIdleShards() {
        List<Frame> frames = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
            frames.add(new Frame(T0 + i, 6, 0x0A000000 | i, 0x0A100001, 20_000 + i, 443, 0x02, 1000, 0, 0));
            frames.add(new Frame(T0 + 1000 + i, 6, 0x0A100001, 0x0A000000 | i, 443, 20_000 + i, 0x12, 9000, 1001, 0));
        }
        // only UDP on the calling thread after the handshakes: the shards hear of the last time at close
        frames.add(new Frame(T0 + 70 * MINUTE, 17, 0x0A400001, 0x0A400002, 7, 7, 0, 0, 0, 1));
        Heard sharded = hear(frames, 4);
        assertThat(sharded.progress()).hasSize(64).allSatisfy((k, l) -> assertThat(l).hasSize(2));
        assertThat(sharded.progress()).isEqualTo(hear(frames, 1).progress());
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
        // each round the clients send their next 10 bytes and the server acknowledges them: in-order
        // data, the steady state of a connection (replaying one segment would instead count
        // retransmissions, whose counter moves to a side map once per endpoint at the 64th)
        for (int round = 0; round < 50; round++) { // warm up: creates the connections, JIT compiles
            nextSegments(d, flows, frameSize, round);
            for (int f = 0; f < len.length; f++) {
                t.onFrame(ts += 1000, LinkType.RAW, d, f * frameSize, len[f], len[f]);
            }
        }
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long tid = Thread.currentThread().getId();
        long before = mx.getThreadAllocatedBytes(tid);
        int packets = 0;
        for (int round = 50; round < 250; round++) {
            nextSegments(d, flows, frameSize, round);
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

    /** Rewrites the frames of round {@code round}: client segment {@code round} and its acknowledgement. */
    private static void nextSegments(ByteBuffer frames, int flows, int frameSize, int round) {
        for (int i = 0; i < flows; i++) {
            frames.putInt(2 * i * frameSize + 24, 1000 + 10 * round);
            frames.putInt((2 * i + 1) * frameSize + 28, 1010 + 10 * round);
        }
    }
}
