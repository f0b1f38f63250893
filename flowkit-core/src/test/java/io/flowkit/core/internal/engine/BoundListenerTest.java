package io.flowkit.core.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import io.flowkit.Bound;
import io.flowkit.CloseReason;
import io.flowkit.Compressor;
import io.flowkit.Connection;
import io.flowkit.FlowTracker;
import io.flowkit.LinkType;
import io.flowkit.ScanDetection;
import io.flowkit.TrackerStats;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Each hard bound through the public API: reaching it evicts the stalest entry with a record
 * (connections) or a drop (fragments), counts every eviction, and calls the bound listeners once
 * per episode, on the calling thread, even when a listener throws.
 */
class BoundListenerTest {
    private static final long T0 = 1_700_000_000_000_000_000L;
    private static final long SECOND = 1_000_000_000L;
    private static final int SERVER = 0x0A000002;

    /** What one tracker run produced. */
    private static final class Run {
        final List<String> calls = new ArrayList<>();
        final List<Thread> threads = new ArrayList<>();
        final List<Connection> records = new ArrayList<>();
        final ByteBuffer b = ByteBuffer.allocate(2048);
        final FlowTracker tracker;

        Run(FlowTracker.Builder builder) {
            tracker = builder.ignoreChecksums(true)
                    .connectionListener(records::add)
                    .boundListener((bound, limit) -> {
                        calls.add(bound + "/" + limit);
                        threads.add(Thread.currentThread());
                    })
                    .build();
        }

        Run udp(long ts, int src, int sport) {
            int len = RawFrames.udp(b, 0, src, SERVER, sport, 53, 10);
            tracker.onFrame(ts, LinkType.RAW, b, 0, len, len);
            return this;
        }

        Run syn(long ts, int src, int sport) {
            int len = RawFrames.tcp(b, 0, src, SERVER, sport, 80, 0x02, 7, 0, 0);
            tracker.onFrame(ts, LinkType.RAW, b, 0, len, len);
            return this;
        }

        Run fragment(long ts, int src, int id) {
            int len = RawFrames.firstFragment(b, 0, src, SERVER, id, 64);
            tracker.onFrame(ts, LinkType.RAW, b, 0, len, len);
            return this;
        }

        List<Connection> evicted() {
            return records.stream().filter(c -> c.closeReason() == CloseReason.EVICTED).toList();
        }
    }

    @Test
    void scanSourceBoundCallsOncePerFloodAndCountsEveryForgottenSource() {
        Run r = new Run(FlowTracker.builder().scanDetection(ScanDetection.builder().maxSources(8).build()));
        // 20 spoofed sources, one unanswered SYN each: the first-contact table holds 8 of them
        for (int i = 0; i < 20; i++) {
            r.syn(T0 + i * 1000L, 0x0B000000 + i, 1000 + i);
        }
        r.tracker.advanceTime(T0 + 60 * SECOND);
        TrackerStats s = r.tracker.stats();
        assertThat(r.records).hasSize(20);
        assertThat(r.calls).containsExactly("SCAN_SOURCES/8");
        assertThat(s.evictions(Bound.SCAN_SOURCES)).isEqualTo(12);
        assertThat(s.boundReached(Bound.SCAN_SOURCES)).isEqualTo(1);
        // a second flood after a quiet scan window is a new episode
        for (int i = 0; i < 20; i++) {
            r.syn(T0 + 10 * 60 * SECOND + i * 1000L, 0x0C000000 + i, 1000 + i);
        }
        r.tracker.advanceTime(T0 + 11 * 60 * SECOND);
        s = r.tracker.stats();
        assertThat(r.calls).containsExactly("SCAN_SOURCES/8", "SCAN_SOURCES/8");
        assertThat(s.evictions(Bound.SCAN_SOURCES)).isEqualTo(24);
        assertThat(s.boundReached(Bound.SCAN_SOURCES)).isEqualTo(2);
    }

    @Test
    void connectionBoundCallsOncePerEpisodeAndCountsEveryEviction() {
        Run r = new Run(FlowTracker.builder().maxConnections(4));
        for (int i = 0; i < 10; i++) {
            r.udp(T0 + i * 1000L, 0x0B000000 + i, 1000 + i);
        }
        TrackerStats s = r.tracker.stats();
        assertThat(r.calls).containsExactly("CONNECTIONS/4");
        assertThat(r.evicted()).hasSize(6).extracting(Connection::origPort)
                .containsExactly(1000, 1001, 1002, 1003, 1004, 1005);
        assertThat(s.evictions(Bound.CONNECTIONS)).isEqualTo(6).isEqualTo(s.connectionsEvicted());
        assertThat(s.boundReached(Bound.CONNECTIONS)).isEqualTo(1);

        // the flows time out (UDP: 1 minute): the table drains, the episode ends, the next one calls again
        long later = T0 + 120 * SECOND;
        r.tracker.advanceTime(later);
        assertThat(r.tracker.stats().connectionsActive()).isZero();
        for (int i = 0; i < 6; i++) {
            r.udp(later + i * 1000L, 0x0C000000 + i, 2000 + i);
        }
        assertThat(r.calls).containsExactly("CONNECTIONS/4", "CONNECTIONS/4");
        assertThat(r.tracker.stats().evictions(Bound.CONNECTIONS)).isEqualTo(8);
        assertThat(r.evicted()).hasSize(8);
        assertThat(r.tracker.stats().boundReached(Bound.CONNECTIONS)).isEqualTo(2);
        r.tracker.close();
    }

    @Test
    void connectionBoundStaysQuietWhileTheTableDoesNotDrainToHalf() {
        Run r = new Run(FlowTracker.builder().maxConnections(4));
        for (int i = 0; i < 5; i++) {
            r.udp(T0 + i * SECOND, 0x0B000000 + i, 1000 + i);
        }
        // one of the four flows times out (3 left, more than half of 4), then the table overflows again
        r.tracker.advanceTime(T0 + 61 * SECOND + SECOND / 2);
        assertThat(r.tracker.stats().connectionsActive()).as("%s", r.records).isEqualTo(3);
        for (int i = 0; i < 3; i++) {
            r.udp(T0 + 61 * SECOND + SECOND / 2 + i, 0x0C000000 + i, 2000 + i);
        }
        assertThat(r.tracker.stats().evictions(Bound.CONNECTIONS)).isEqualTo(3);
        assertThat(r.calls).containsExactly("CONNECTIONS/4");
        r.tracker.close();
    }

    @Test
    void pendingBoundCallsOnceAndDeliversEvictedAttemptsAsS0() {
        Run r = new Run(FlowTracker.builder().compressor(Compressor.builder().maxPendingConnections(3).build()));
        for (int i = 0; i < 8; i++) {
            r.syn(T0 + i * 1000L, 0x0B000000 + i, 3000 + i);
        }
        TrackerStats s = r.tracker.stats();
        assertThat(r.calls).containsExactly("PENDING/3");
        assertThat(r.evicted()).hasSize(5).allMatch(c -> c.history().equals("S"))
                .extracting(Connection::origPort).containsExactly(3000, 3001, 3002, 3003, 3004);
        assertThat(s.evictions(Bound.PENDING)).isEqualTo(5).isEqualTo(s.pendingEvictions());
        assertThat(s.evictions(Bound.CONNECTIONS)).isZero();
        assertThat(s.connectionsEvicted()).isEqualTo(5);
        assertThat(s.boundReached(Bound.PENDING)).isEqualTo(1);
        assertThat(s.boundReached(Bound.CONNECTIONS)).isZero();
        r.tracker.close();
    }

    @Test
    void aTinyBoundThatDrainsAtEveryRemovalCallsAtMostOnceAMinute() {
        Run r = new Run(FlowTracker.builder().compressor(Compressor.builder().maxPendingConnections(1).build()));
        r.syn(T0, 0x0B000001, 1000).syn(T0 + 1000, 0x0B000002, 1000); // evicts the first: a call
        int len = RawFrames.tcp(r.b, 0, SERVER, 0x0B000002, 80, 1000, 0x12, 9, 8, 0);
        r.tracker.onFrame(T0 + 2000, LinkType.RAW, r.b, 0, len, len); // promoted: the pending table is empty
        r.syn(T0 + SECOND, 0x0B000003, 1000).syn(T0 + SECOND + 1000, 0x0B000004, 1000); // evicts, within a minute
        assertThat(r.calls).containsExactly("PENDING/1");
        r.syn(T0 + 70 * SECOND, 0x0B000005, 1000).syn(T0 + 70 * SECOND + 1000, 0x0B000006, 1000);
        assertThat(r.calls).containsExactly("PENDING/1", "PENDING/1");
        assertThat(r.tracker.stats().evictions(Bound.PENDING)).isEqualTo(3);
        assertThat(r.tracker.stats().boundReached(Bound.PENDING)).isEqualTo(2);
        r.tracker.close();
    }

    @Test
    void fragmentBoundCallsOnceAndCountsDatagramsDroppedForRoom() {
        Run r = new Run(FlowTracker.builder());
        int slots = 64; // Decoder.DEFAULT_FRAGMENT_MEMORY_BYTES holds 64 datagrams of the largest size
        for (int i = 0; i < slots + 10; i++) {
            r.fragment(T0 + i * 1000L, 0x0B000000 + i, i);
        }
        TrackerStats s = r.tracker.stats();
        assertThat(r.calls).containsExactly("FRAGMENTS/" + slots);
        assertThat(s.evictions(Bound.FRAGMENTS)).isEqualTo(10);
        assertThat(s.reassembliesDropped()).isEqualTo(10);
        assertThat(s.boundReached(Bound.FRAGMENTS)).isEqualTo(1);
        // past the reassembly timeout (5 minutes) every datagram is dropped: the episode ends
        r.fragment(T0 + 400 * SECOND, 0x0D000000, 1);
        for (int i = 0; i < slots; i++) {
            r.fragment(T0 + 401 * SECOND + i, 0x0E000000 + i, i);
        }
        assertThat(r.calls).containsExactly("FRAGMENTS/" + slots, "FRAGMENTS/" + slots);
        assertThat(r.tracker.stats().evictions(Bound.FRAGMENTS)).isEqualTo(11);
        r.tracker.close();
    }

    @Test
    void aThrowingBoundListenerIsCountedAndTheOthersStillRun() {
        List<Bound> seen = new ArrayList<>();
        List<Connection> records = new ArrayList<>();
        FlowTracker t = FlowTracker.builder().ignoreChecksums(true).maxConnections(2)
                .connectionListener(records::add)
                .boundListener((bound, limit) -> {
                    throw new IllegalStateException("listener bug");
                })
                .boundListener((bound, limit) -> seen.add(bound))
                .build();
        ByteBuffer b = ByteBuffer.allocate(128);
        assertThatCode(() -> {
            for (int i = 0; i < 5; i++) {
                int len = RawFrames.udp(b, 0, 0x0B000000 + i, SERVER, 1000 + i, 53, 10);
                t.onFrame(T0 + i, LinkType.RAW, b, 0, len, len);
            }
        }).doesNotThrowAnyException();
        assertThat(seen).containsExactly(Bound.CONNECTIONS);
        assertThat(t.stats().listenerFailures()).isEqualTo(1);
        assertThat(records).hasSize(3).allMatch(c -> c.closeReason() == CloseReason.EVICTED);
        t.close();
        assertThat(records).hasSize(5);
    }

    @Test
    void shardedTrackerCallsOnTheCallingThreadForEachEngineShare() {
        // 2 engines: the calling thread's holds ceil(6 / 3) = 2 connections, the engine thread's 4
        Run r = new Run(FlowTracker.builder().threads(2).maxConnections(6));
        for (int i = 0; i < 200; i++) {
            r.syn(T0 + i * 1000L, 0x0B000000 + i, 4000 + i);
        }
        r.tracker.close();
        TrackerStats s = r.tracker.stats();
        assertThat(r.calls).containsExactlyInAnyOrder("CONNECTIONS/2", "CONNECTIONS/4"); // one episode per engine
        assertThat(r.threads).allMatch(th -> th == Thread.currentThread());
        assertThat(s.evictions(Bound.CONNECTIONS)).isEqualTo(r.evicted().size()).isGreaterThan(150);
        assertThat(s.boundReached(Bound.CONNECTIONS)).isEqualTo(r.calls.size());
    }

    @Test
    void shardedTrackerSplitsThePendingBoundInTheSameShares() {
        // 2 engines: the calling thread's holds ceil(9 / 3) = 3 pending attempts, the engine thread's 6
        Run r = new Run(FlowTracker.builder().threads(2)
                .compressor(Compressor.builder().maxPendingConnections(9).build()));
        for (int i = 0; i < 200; i++) {
            r.syn(T0 + i * 1000L, 0x0B000000 + i, 4000 + i);
        }
        r.tracker.close();
        TrackerStats s = r.tracker.stats();
        assertThat(r.calls).containsExactlyInAnyOrder("PENDING/3", "PENDING/6"); // one episode per engine
        assertThat(r.threads).allMatch(th -> th == Thread.currentThread());
        assertThat(s.evictions(Bound.PENDING)).isEqualTo(r.evicted().size()).isEqualTo(200 - 9);
    }

    @Test
    void noListenerStillCountsTheBoundInTheStats() {
        FlowTracker t = FlowTracker.builder().ignoreChecksums(true).maxConnections(1).build();
        ByteBuffer b = ByteBuffer.allocate(128);
        for (int i = 0; i < 3; i++) {
            int len = RawFrames.udp(b, 0, 0x0B000000 + i, SERVER, 1000 + i, 53, 10);
            t.onFrame(T0 + i, LinkType.RAW, b, 0, len, len);
        }
        assertThat(t.stats().evictions(Bound.CONNECTIONS)).isEqualTo(2);
        assertThat(t.stats().boundReached(Bound.CONNECTIONS)).isEqualTo(1);
        t.close();
    }
}
