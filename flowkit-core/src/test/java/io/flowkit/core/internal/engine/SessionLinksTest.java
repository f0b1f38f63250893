package io.flowkit.core.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flowkit.CloseReason;
import io.flowkit.Connection;
import io.flowkit.FlowTracker;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * Resumed-connection linking in the engine: which records link, in which orientation, and how
 * the session totals add up. Byte totals are checked against the record a long timeout makes of
 * the same packets, never against numbers worked out by hand.
 */
class SessionLinksTest {
    static final String C = "10.0.0.1";
    static final String S = "10.0.0.2";
    static final double GAP = 1800; // 30 minutes: longer than every default timeout

    static Packets linking() {
        return new Packets(FlowTracker.builder().linkResumed(Duration.ofHours(24)));
    }

    /** The same packets with a timeout longer than every gap: one record for the whole session. */
    static Connection wholeSession(Consumer<Packets> script) {
        Packets p = new Packets(FlowTracker.builder().tcpInactivityTimeout(Duration.ofDays(2))
                .udpInactivityTimeout(Duration.ofDays(2)).icmpInactivityTimeout(Duration.ofDays(2)));
        script.accept(p);
        p.flush();
        return p.only();
    }

    static List<Connection> parts(Consumer<Packets> script) {
        Packets p = linking();
        script.accept(p);
        p.flush();
        return p.records;
    }

    static void assertTotalsMatchOneRecord(Connection last, Connection whole) {
        Connection.Session s = last.session();
        assertThat(s.startNanos()).isEqualTo(whole.startNanos());
        assertThat(new long[] {s.origPackets(), s.origBytes(), s.respPackets(), s.respBytes()})
                .containsExactly(whole.origPackets(), whole.origBytes(), whole.respPackets(), whole.respBytes());
    }

    /** Handshake and one exchange (client 100 bytes from seq 1001, server 300 from 5001). */
    static void opening(Packets p) {
        p.tcp(0, C, 40000, S, 5000, "S", 1000, 0, 0)
                .tcp(0.001, S, 5000, C, 40000, "SA", 5000, 1001, 0)
                .tcp(0.002, C, 40000, S, 5000, "A", 1001, 5001, 0)
                .tcp(1, C, 40000, S, 5000, "A", 1001, 5001, 100)
                .tcp(1.001, S, 5000, C, 40000, "A", 5001, 1101, 300)
                .tcp(1.002, C, 40000, S, 5000, "A", 1101, 5301, 0);
    }

    static final Consumer<Packets> CLIENT_RESUMES = p -> {
        opening(p);
        p.tcp(GAP, C, 40000, S, 5000, "A", 1101, 5301, 100)
                .tcp(GAP + 0.001, S, 5000, C, 40000, "A", 5301, 1201, 300)
                .tcp(GAP + 0.002, C, 40000, S, 5000, "A", 1201, 5601, 0);
    };

    @Test
    void linksAMidStreamContinuationToTheRecordTheTimeoutEnded() {
        List<Connection> r = parts(CLIENT_RESUMES);
        assertThat(r).hasSize(2);
        assertThat(r.get(0).closeReason()).isEqualTo(CloseReason.INACTIVITY_TIMEOUT);
        assertThat(r.get(0).resumedFrom()).isNull();
        assertThat(r.get(0).session()).isNull();
        assertThat(r.get(1).resumedFrom()).isEqualTo(r.get(0).uid());
        Connection.Session s = r.get(1).session();
        assertThat(s.firstUid()).isEqualTo(r.get(0).uid());
        assertThat(s.parts()).isEqualTo(2);
        assertThat(s.reversed()).isFalse();
        assertThat(s.origPackets()).isEqualTo(r.get(0).origPackets() + r.get(1).origPackets());
        assertThat(s.respPackets()).isEqualTo(r.get(0).respPackets() + r.get(1).respPackets());
        assertTotalsMatchOneRecord(r.get(1), wholeSession(CLIENT_RESUMES));
    }

    @Test
    void leavesTheZeekFieldsOfEachPartAsZeekWouldWriteThem() {
        List<Connection> linked = parts(CLIENT_RESUMES);
        Packets plain = new Packets();
        CLIENT_RESUMES.accept(plain);
        plain.flush();
        assertThat(plain.records).hasSize(2);
        for (int i = 0; i < 2; i++) {
            Connection a = linked.get(i);
            Connection b = plain.records.get(i);
            assertThat(new Connection(a.uid(), a.startNanos(), a.origAddress(), a.origPort(), a.respAddress(),
                    a.respPort(), a.protocol(), a.ipProto(), a.service(), a.durationNanos(), a.origBytes(),
                    a.respBytes(), a.state(), a.localOrig(), a.localResp(), a.missedBytes(), a.history(),
                    a.origPackets(), a.origIpBytes(), a.respPackets(), a.respIpBytes(), a.tunnelParents(),
                    a.closeReason())).isEqualTo(b);
        }
    }

    @Test
    void keepsTheSessionOrientationWhenTheOldResponderSpeaksFirst() {
        Consumer<Packets> script = p -> {
            opening(p);
            // neither port is a likely server port, so the server becomes this record's originator
            p.tcp(GAP, S, 5000, C, 40000, "A", 5301, 1101, 300)
                    .tcp(GAP + 0.001, C, 40000, S, 5000, "A", 1101, 5601, 100)
                    .tcp(GAP + 0.002, S, 5000, C, 40000, "A", 5601, 1201, 0);
        };
        List<Connection> r = parts(script);
        assertThat(r).hasSize(2);
        assertThat(r.get(1).origAddress().getHostAddress()).isEqualTo(S);
        Connection.Session s = r.get(1).session();
        assertThat(s.reversed()).isTrue();
        assertThat(s.origPackets()).isEqualTo(r.get(0).origPackets() + r.get(1).respPackets());
        assertThat(s.origBytes()).isEqualTo(r.get(0).origBytes() + r.get(1).respBytes());
        assertTotalsMatchOneRecord(r.get(1), wholeSession(script));
    }

    @Test
    void doesNotCountDataRetransmittedAcrossTheGapTwice() {
        Consumer<Packets> script = p -> {
            opening(p);
            // the client resends its last 60 bytes, then 40 new ones
            p.tcp(GAP, C, 40000, S, 5000, "A", 1041, 5301, 60)
                    .tcp(GAP + 0.001, C, 40000, S, 5000, "A", 1101, 5301, 40)
                    .tcp(GAP + 0.002, S, 5000, C, 40000, "A", 5301, 1141, 0);
        };
        List<Connection> r = parts(script);
        assertThat(r.get(1).origBytes()).isEqualTo(100); // Zeek's count for the part, resent bytes included
        Connection whole = wholeSession(script);
        assertThat(r.get(1).session().origBytes()).isEqualTo(whole.origBytes())
                .isLessThan(r.get(0).origBytes() + r.get(1).origBytes());
        assertTotalsMatchOneRecord(r.get(1), whole);
    }

    @Test
    void countsBytesSentDuringTheGapThatNeitherRecordSaw() {
        Consumer<Packets> script = p -> {
            opening(p);
            // 500 client bytes (seq 1101..1600) and 700 server bytes were never captured
            p.tcp(GAP, C, 40000, S, 5000, "A", 1601, 6001, 100)
                    .tcp(GAP + 0.001, S, 5000, C, 40000, "A", 6001, 1701, 300)
                    .tcp(GAP + 0.002, C, 40000, S, 5000, "A", 1701, 6301, 0);
        };
        List<Connection> r = parts(script);
        Connection whole = wholeSession(script);
        assertThat(r.get(1).session().origBytes()).isEqualTo(whole.origBytes())
                .isGreaterThan(r.get(0).origBytes() + r.get(1).origBytes());
        assertThat(r.get(1).session().respBytes()).isEqualTo(whole.respBytes())
                .isGreaterThan(r.get(0).respBytes() + r.get(1).respBytes());
        assertTotalsMatchOneRecord(r.get(1), whole);
    }

    @Test
    void chainsEveryPartToTheOneBeforeAndKeepsTheFirstUid() {
        Consumer<Packets> script = p -> {
            opening(p);
            long c = 1101;
            long s = 5301;
            for (int i = 1; i <= 4; i++) {
                p.tcp(i * GAP, C, 40000, S, 5000, "A", c, s, 100)
                        .tcp(i * GAP + 0.001, S, 5000, C, 40000, "A", s, c + 100, 300);
                c += 100;
                s += 300;
            }
        };
        List<Connection> r = parts(script);
        assertThat(r).hasSize(5);
        for (int i = 1; i < 5; i++) {
            assertThat(r.get(i).resumedFrom()).isEqualTo(r.get(i - 1).uid());
            assertThat(r.get(i).session().firstUid()).isEqualTo(r.get(0).uid());
            assertThat(r.get(i).session().parts()).isEqualTo(i + 1);
        }
        assertTotalsMatchOneRecord(r.get(4), wholeSession(script));
    }

    /**
     * Random sessions against the reference model "one record with a timeout longer than every
     * gap": gaps shorter and longer than the timeout, either side first after a gap, segments
     * resent across a gap, segments lost before the tap, every side sending in every burst.
     */
    @Test
    void sessionTotalsEqualOneLongRecordOnRandomSessions() {
        for (long seed = 1; seed <= 300; seed++) {
            SplittableRandom rnd = new SplittableRandom(seed);
            int bursts = 2 + rnd.nextInt(12);
            long[] gaps = new long[bursts];
            for (int b = 0; b < bursts; b++) {
                gaps[b] = new long[] {10, 120, 600, 1900, 7200}[rnd.nextInt(5)];
            }
            long scriptSeed = rnd.nextLong();
            Consumer<Packets> script = p -> randomSession(p, new SplittableRandom(scriptSeed), gaps);
            List<Connection> r = parts(script);
            Connection whole = wholeSession(script);
            Connection last = r.get(r.size() - 1);
            if (r.size() == 1) {
                assertThat(last.session()).isNull();
                continue;
            }
            String what = "seed " + seed + ", " + r.size() + " parts";
            assertThat(last.session().parts()).as(what).isEqualTo(r.size());
            Connection.Session s = last.session();
            assertThat(new long[] {s.startNanos(), s.origPackets(), s.origBytes(), s.respPackets(), s.respBytes()})
                    .as(what).containsExactly(whole.startNanos(), whole.origPackets(), whole.origBytes(),
                            whole.respPackets(), whole.respBytes());
        }
    }

    private static void randomSession(Packets p, SplittableRandom rnd, long[] gaps) {
        long c = 1_000_000 + rnd.nextInt(1 << 30);
        long s = 5_000_000 + rnd.nextInt(1 << 30);
        p.tcp(0, C, 40000, S, 5000, "S", c, 0, 0).tcp(0.001, S, 5000, C, 40000, "SA", s, c + 1, 0);
        c++;
        s++;
        double t = 0;
        long lastLen = 0;
        for (long gap : gaps) {
            t += gap;
            boolean serverFirst = rnd.nextInt(4) == 0;
            if (rnd.nextInt(5) == 0 && lastLen > 0) {
                int k = 1 + rnd.nextInt((int) lastLen);
                p.tcp(t, C, 40000, S, 5000, "A", c - k, s, k); // resent across the gap
                t += 0.001;
            }
            if (rnd.nextInt(5) == 0) {
                c += 1 + rnd.nextInt(2000); // lost before the tap
            }
            int cl = 1 + rnd.nextInt(1400);
            int sl = rnd.nextInt(1400);
            if (serverFirst) {
                p.tcp(t, S, 5000, C, 40000, "A", s, c, sl);
                s += sl;
                p.tcp(t + 0.001, C, 40000, S, 5000, "A", c, s, cl);
                c += cl;
            } else {
                p.tcp(t, C, 40000, S, 5000, "A", c, s, cl);
                c += cl;
                p.tcp(t + 0.001, S, 5000, C, 40000, "A", s, c, sl);
                s += sl;
            }
            lastLen = cl;
            t += 0.002;
        }
    }

    @Test
    void aSynAfterTheGapStartsANewSession() {
        List<Connection> r = parts(p -> {
            opening(p);
            p.tcp(GAP, C, 40000, S, 5000, "S", 90000, 0, 0)
                    .tcp(GAP + 0.001, S, 5000, C, 40000, "SA", 70000, 90001, 0);
        });
        assertThat(r).hasSize(2);
        assertThat(r.get(1).resumedFrom()).isNull();
    }

    @Test
    void rememberNeitherClosedConnectionsNorUnansweredAttempts() {
        Packets p = linking();
        opening(p);
        p.tcp(2, C, 40000, S, 5000, "FA", 1101, 5301, 0)
                .tcp(2.001, S, 5000, C, 40000, "FA", 5301, 1102, 0)
                .tcp(3, C, 40001, S, 5000, "S", 1, 0, 0)
                .tcp(GAP, C, 40000, S, 5000, "A", 1102, 5302, 0)
                .tcp(GAP, C, 40001, S, 5000, "A", 2, 1, 0);
        p.flush();
        assertThat(p.records).hasSize(4).allSatisfy(c -> assertThat(c.resumedFrom()).isNull());
        assertThat(p.engine.resumeLinks()).isZero();
    }

    @Test
    void linksUdpAndIcmpFlowsAndSumsTheirBytes() {
        Consumer<Packets> script = p -> p.udp(0, C, 53000, S, 53, 40).udp(0.01, S, 53, C, 53000, 120)
                .icmp(0, C, S, 8, 0, 56).icmp(0.01, S, C, 0, 0, 56)
                .udp(GAP, S, 53, C, 53000, 80).udp(GAP + 0.01, C, 53000, S, 53, 30)
                .icmp(GAP, C, S, 8, 0, 56);
        List<Connection> r = parts(script);
        assertThat(r).hasSize(4);
        Connection udp2 = r.stream().filter(c -> c.ipProto() == 17 && c.resumedFrom() != null).findFirst().orElseThrow();
        Connection udp1 = r.stream().filter(c -> c.uid().equals(udp2.resumedFrom())).findFirst().orElseThrow();
        assertThat(udp2.session().origBytes()).isEqualTo(udp1.origBytes() + udp2.origBytes());
        assertThat(udp2.session().respBytes()).isEqualTo(udp1.respBytes() + udp2.respBytes());
        assertThat(r).filteredOn(c -> c.ipProto() == 1 && c.resumedFrom() != null).hasSize(1);
    }

    @Test
    void forgetsRecordsWhoseHorizonHasPassed() {
        Packets p = new Packets(FlowTracker.builder().linkResumed(Duration.ofHours(1)));
        opening(p);
        p.tcp(2 * 3600, C, 40000, S, 5000, "A", 1101, 5301, 100);
        p.flush();
        assertThat(p.records).hasSize(2).allSatisfy(c -> assertThat(c.resumedFrom()).isNull());
        assertThat(p.engine.resumeExpired()).isEqualTo(1);
    }

    @Test
    void dropsTheRecordRememberedLongestAgoAtCapacity() {
        Packets p = new Packets(FlowTracker.builder().linkResumed(Duration.ofHours(24)).resumeCapacity(2));
        for (int i = 0; i < 3; i++) {
            p.udp(i, C, 50000 + i, S, 9999, 10);
        }
        p.udp(GAP, C, 50000, S, 9999, 10).udp(GAP, C, 50002, S, 9999, 10).flush();
        assertThat(p.engine.resumeDropped()).isEqualTo(1);
        assertThat(p.records).filteredOn(c -> c.resumedFrom() != null).extracting(Connection::origPort)
                .containsExactly(50002);
    }

    @Test
    void linksAConnectionEvictedAtTheBound() {
        Packets p = new Packets(FlowTracker.builder().linkResumed(Duration.ofHours(24)).maxConnections(1));
        opening(p);
        p.udp(2, C, 53000, S, 53, 40); // evicts the TCP connection
        p.tcp(3, C, 40000, S, 5000, "A", 1101, 5301, 100).flush();
        assertThat(p.records.get(0).closeReason()).isEqualTo(CloseReason.EVICTED);
        assertThat(p.records).filteredOn(c -> c.ipProto() == 6 && c.resumedFrom() != null).hasSize(1);
    }

    @Test
    void validatesTheOptions() {
        assertThatThrownBy(() -> FlowTracker.builder().linkResumed(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("linkResumed");
        assertThatThrownBy(() -> FlowTracker.builder().resumeCapacity(0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("resumeCapacity").hasMessageContaining("0");
        assertThatThrownBy(() -> FlowTracker.builder().resumeCapacity(10).config())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("linkResumed");
    }

    @Test
    void allocatesNothingOnHitsAndMisses() {
        SessionLinks links = new SessionLinks(Duration.ofHours(1).toNanos(), 1000, new Uids(1));
        links.grow(16);
        int keys = 500;
        long hour = 3_600_000_000_000L;
        for (int k = 0; k < keys; k++) {
            links.remember(0, 6, 0, client(k), 40000, 0, SERVER, 80, k, 0, 0, 0);
        }
        cycle(links, keys, 0); // warm-up
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long tid = Thread.currentThread().getId();
        long before = mx.getThreadAllocatedBytes(tid);
        for (int round = 1; round <= 100; round++) {
            cycle(links, keys, round * 60_000_000_000L);
        }
        long allocated = mx.getThreadAllocatedBytes(tid) - before;
        assertThat(links.links()).isEqualTo(101L * keys);
        assertThat(allocated).as("bytes allocated over %d lookups", 200 * keys).isLessThan(1000);
        links.advance(200 * hour);
        assertThat(links.expired()).isEqualTo(keys);
    }

    @Test
    void aTrackerAllocatesNothingPerPacketWhenLinkingHitsAndMisses() {
        FlowTracker t = FlowTracker.builder().ignoreChecksums(true).linkResumed(Duration.ofHours(24)).build();
        int flows = 3000;
        int frameSize = 64;
        java.nio.ByteBuffer d = java.nio.ByteBuffer.allocateDirect(flows * 2 * frameSize);
        int[] len = new int[flows * 2];
        for (int i = 0; i < flows; i++) {
            len[2 * i] = RawFrames.tcp(d, 2 * i * frameSize, 0x0A000001, 0x0A000002, 20000 + i, 7000, 0x18, 1000,
                    5000, 10);
            len[2 * i + 1] = RawFrames.tcp(d, (2 * i + 1) * frameSize, 0x0A000002, 0x0A000001, 7000, 20000 + i, 0x10,
                    5000, 1010, 0);
        }
        long ts = Packets.EPOCH;
        // flows 0..1999 expire and are remembered; the table and the store reach their sizes
        for (int f = 0; f < 4000; f++) {
            t.onFrame(ts += 1000, io.flowkit.LinkType.RAW, d, f * frameSize, len[f], len[f]);
        }
        ts += 3_600_000_000_000L;
        t.advanceTime(ts);
        assertThat(t.stats().connectionsActive()).isZero();
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long tid = Thread.currentThread().getId();
        long before = mx.getThreadAllocatedBytes(tid);
        int packets = 0;
        // flows 0..999 resume (hits), 2000..2999 are new mid-stream flows (misses)
        for (int round = 0; round < 50; round++) {
            for (int f = 0; f < 2 * flows; f++) {
                if (f >= 2000 && f < 4000) {
                    continue;
                }
                t.onFrame(ts += 1000, io.flowkit.LinkType.RAW, d, f * frameSize, len[f], len[f]);
                packets++;
            }
        }
        long allocated = mx.getThreadAllocatedBytes(tid) - before;
        assertThat(t.stats().resumeLinks()).isEqualTo(1000);
        assertThat(t.stats().connectionsActive()).isEqualTo(2000);
        assertThat(allocated).as("bytes allocated over %d packets", packets).isLessThan(packets / 100);
        t.close();
    }

    private static final long SERVER = 0xFFFF_0A00_00FFL;

    private static long client(int k) {
        return 0xFFFF_0A01_0000L | k;
    }

    /** Per key: a miss (another port), a hit that claims the entry, and the entry remembered again. */
    private static void cycle(SessionLinks links, int keys, long t) {
        for (int k = 0; k < keys; k++) {
            links.created(1, t, 6, 0, client(k), 40001, 0, SERVER, 80);
            links.created(0, t, 6, 0, client(k), 40000, 0, SERVER, 80);
            links.remember(0, 6, 0, client(k), 40000, 0, SERVER, 80, k, 0, t, 0);
        }
    }
}
