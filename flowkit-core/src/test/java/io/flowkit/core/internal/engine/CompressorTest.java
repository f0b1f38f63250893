package io.flowkit.core.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.flowkit.CloseReason;
import io.flowkit.Compressor;
import io.flowkit.ConnState;
import io.flowkit.Connection;
import io.flowkit.FlowTracker;
import io.flowkit.LinkType;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * The connection compressor, one option per test. Every scenario runs twice, with and without the
 * compressor, and the records must be equal; the stats show which table the connection used.
 */
class CompressorTest {
    private static final String C = "10.0.0.1";
    private static final String S = "10.0.0.2";

    private static Packets with(Compressor settings) {
        return new Packets(FlowTracker.builder().compressor(settings));
    }

    /** Runs a scenario with and without the compressor and checks that the records are equal. */
    private static Packets same(Compressor settings, Consumer<Packets> scenario) {
        Packets plain = new Packets();
        scenario.accept(plain);
        plain.flush();
        Packets compressed = with(settings);
        scenario.accept(compressed);
        compressed.flush();
        assertThat(compressed.records).containsExactlyElementsOf(plain.records);
        return compressed;
    }

    @Test
    void unansweredSynLeavesThePendingTableAsTheSameS0AtTheAttemptTimeout() {
        Packets p = with(Compressor.defaults()).tcp(0.0, C, 40000, S, 80, "S", 1000, 0, 0);
        assertThat(p.engine.pendingActive()).isEqualTo(1);
        assertThat(p.engine.active()).isEqualTo(1);
        p.advance(4.9);
        assertThat(p.records).isEmpty();
        p.advance(5.1);
        Connection c = p.only();
        assertThat(c.state()).isEqualTo(ConnState.S0);
        assertThat(c.history()).isEqualTo("S");
        assertThat(c.closeReason()).isEqualTo(CloseReason.INACTIVITY_TIMEOUT);
        assertThat(p.engine.pendingExpiries()).isEqualTo(1);
        assertThat(p.engine.pendingActive()).isZero();
        same(Compressor.defaults(), q -> q.tcp(0.0, C, 40000, S, 80, "S", 1000, 0, 0).advance(5.1));
    }

    @Test
    void promotesOnTheResponderReplyCarryingTheSynOver() {
        Packets p = same(Compressor.defaults(), q -> q.tcp(0.0, C, 40000, S, 80, "S", 1000, 0, 0)
                .tcp(0.1, S, 80, C, 40000, "SA", 500, 1001, 0)
                .tcp(0.2, C, 40000, S, 80, "A", 1001, 501, 0)
                .tcp(0.3, C, 40000, S, 80, "A", 1001, 501, 100));
        assertThat(p.engine.promotions()).isEqualTo(1);
        assertThat(p.only().history()).isEqualTo("ShAD");
        assertThat(p.only().origPackets()).isEqualTo(3);
    }

    @Test
    void rejectedSynGivesTheSameRejRecord() {
        Packets p = same(Compressor.defaults(), q -> q.tcp(0.0, C, 40000, S, 80, "S", 1000, 0, 0)
                .tcp(0.1, S, 80, C, 40000, "RA", 0, 1001, 0).advance(10));
        assertThat(p.only().state()).isEqualTo(ConnState.REJ);
        assertThat(p.engine.promotions()).isEqualTo(1);
    }

    @Test
    void retransmittedSynPromotesAndKeepsBothPackets() {
        Packets p = same(Compressor.defaults(), q -> q.tcp(0.0, C, 40000, S, 80, "S", 1000, 0, 0)
                .tcp(1.0, C, 40000, S, 80, "S", 1000, 0, 0).advance(20));
        assertThat(p.only().origPackets()).isEqualTo(2);
    }

    @Test
    void handleOnlySynsSendsOtherFirstPacketsToTheFullTable() {
        Packets only = with(Compressor.defaults()).tcp(0.0, C, 40000, S, 80, "A", 1000, 1, 0);
        assertThat(only.engine.pendingActive()).isZero();
        Compressor any = Compressor.builder().handleOnlySyns(false).build();
        Packets p = with(any).tcp(0.0, C, 40000, S, 80, "A", 1000, 1, 0);
        assertThat(p.engine.pendingActive()).isEqualTo(1);
        same(any, q -> q.tcp(0.0, C, 40000, S, 80, "A", 1000, 1, 0).advance(400));
        same(any, q -> q.tcp(0.0, C, 40000, S, 80, "A", 1000, 1, 0).tcp(0.5, S, 80, C, 40000, "R", 1, 0, 0)
                .advance(30));
    }

    @Test
    void handleResetsDecidesWhetherAFirstResetIsCompressed() {
        Compressor no = Compressor.builder().handleOnlySyns(false).build();
        Compressor yes = Compressor.builder().handleOnlySyns(false).handleResets(true).build();
        assertThat(with(no).tcp(0.0, C, 40000, S, 80, "RA", 1000, 1, 0).engine.pendingActive()).isZero();
        assertThat(with(yes).tcp(0.0, C, 40000, S, 80, "RA", 1000, 1, 0).engine.pendingActive()).isEqualTo(1);
        same(yes, q -> q.tcp(0.0, C, 40000, S, 80, "RA", 1000, 1, 0).advance(400));
    }

    @Test
    void aSynAfterACompressedResetReusesTheConnectionAsTheUncompressedEngineDoes() {
        Compressor yes = Compressor.builder().handleOnlySyns(false).handleResets(true).build();
        Packets p = same(yes, q -> q.tcp(0.0, C, 40000, S, 80, "R", 1000, 0, 0)
                .tcp(0.5, C, 40000, S, 80, "S", 5000, 0, 0).advance(30));
        assertThat(p.records).hasSize(2);
        assertThat(p.records.get(0).closeReason()).isEqualTo(CloseReason.REUSED);
    }

    @Test
    void instantiateOnDataSendsASynWithPayloadToTheFullTable() {
        Compressor on = Compressor.builder().instantiateOnData(true).build();
        assertThat(with(on).tcp(0.0, C, 40000, S, 80, "S", 1000, 0, 20).engine.pendingActive()).isZero();
        assertThat(with(on).tcp(0.0, C, 40000, S, 80, "S", 1000, 0, 0).engine.pendingActive()).isEqualTo(1);
        assertThat(with(Compressor.defaults()).tcp(0.0, C, 40000, S, 80, "S", 1000, 0, 20).engine.pendingActive())
                .isEqualTo(1);
        same(Compressor.defaults(), q -> q.tcp(0.0, C, 40000, S, 80, "S", 1000, 0, 20).advance(10));
    }

    @Test
    void evictsTheStalestPendingEntryAtItsBoundWithAnEvictedRecord() {
        Packets p = with(Compressor.builder().maxPendingConnections(2).build());
        for (int i = 0; i < 3; i++) {
            p.tcp(0.1 * i, C, 40000 + i, S, 80, "S", 1000, 0, 0);
        }
        Connection c = p.only();
        assertThat(c.closeReason()).isEqualTo(CloseReason.EVICTED);
        assertThat(c.origPort()).isEqualTo(40000);
        assertThat(c.history()).isEqualTo("S");
        assertThat(p.engine.pendingEvictions()).isEqualTo(1);
        assertThat(p.engine.evicted()).isEqualTo(1);
        assertThat(p.engine.pendingActive()).isEqualTo(2);
        assertThat(p.engine.pendingPeak()).isEqualTo(2);
    }

    @Test
    void pendingEntriesLeavingAFullTableNeverEvictAnEstablishedConnection() {
        Packets p = new Packets(FlowTracker.builder().maxConnections(1).compressor(Compressor.defaults()))
                .tcp(0.0, C, 40000, S, 80, "S", 1000, 0, 0)
                .tcp(0.1, S, 80, C, 40000, "SA", 500, 1001, 0)
                .tcp(0.2, C, 40000, S, 80, "A", 1001, 501, 0);
        for (int i = 0; i < 100; i++) {
            p.tcp(1 + 0.01 * i, "10.9.0." + i, 1000 + i, S, 22, "S", 7, 0, 0);
        }
        p.advance(60);
        assertThat(p.records).hasSize(100).allMatch(c -> c.state() == ConnState.S0)
                .allMatch(c -> c.closeReason() == CloseReason.INACTIVITY_TIMEOUT);
        assertThat(p.engine.evicted()).isZero();
        p.flush();
        assertThat(p.records.get(100).history()).isEqualTo("ShA");
    }

    @Test
    void endOfInputFlushesPendingEntriesInTheUncompressedOrder() {
        same(Compressor.defaults(), q -> {
            for (int i = 0; i < 20; i++) {
                q.tcp(0.01 * i, "10.1.0." + (20 - i), 2000 + i, S, 443, "S", 9, 0, 0);
                q.udp(0.01 * i + 0.005, C, 3000 + i, S, 53, 30);
            }
        });
    }

    @Test
    void shorterPendingTimeoutLetsAnUnansweredSynLeaveEarlyAsS0() {
        Compressor oneSecond = Compressor.builder().pendingTimeout(Duration.ofSeconds(1)).build();
        Packets p = with(oneSecond).tcp(0.0, C, 40000, S, 80, "S", 1000, 0, 0).advance(0.9);
        assertThat(p.records).isEmpty();
        p.advance(1.0);
        Connection c = p.only();
        assertThat(c.state()).isEqualTo(ConnState.S0);
        assertThat(c.history()).isEqualTo("S");
        assertThat(c.closeReason()).isEqualTo(CloseReason.INACTIVITY_TIMEOUT);
        assertThat(p.engine.pendingActive()).isZero();
        assertThat(p.engine.active()).isZero();
        // a reply after the pending timeout starts a connection of its own
        p.tcp(2.0, S, 80, C, 40000, "SA", 500, 1001, 0).flush();
        assertThat(p.records).hasSize(2);
        assertThat(p.records.get(1).history()).doesNotContain("S").contains("h");
    }

    @Test
    void shorterPendingTimeoutKeepsRecordsOfAttemptsAnsweredInTime() {
        same(Compressor.builder().pendingTimeout(Duration.ofSeconds(1)).build(), q -> q
                .tcp(0.0, C, 40000, S, 80, "S", 1000, 0, 0)
                .tcp(0.5, S, 80, C, 40000, "SA", 500, 1001, 0)
                .tcp(0.6, C, 40000, S, 80, "A", 1001, 501, 0).advance(30));
    }

    @Test
    void pendingTimeoutLongerThanTheFirstTimerChangesNoRecord() {
        Compressor tenSeconds = Compressor.builder().pendingTimeout(Duration.ofSeconds(10)).build();
        Packets p = same(tenSeconds, q -> q.tcp(0.0, C, 40000, S, 80, "S", 1000, 0, 0).advance(5.1));
        assertThat(p.only().closeReason()).isEqualTo(CloseReason.INACTIVITY_TIMEOUT);
        same(tenSeconds, q -> q.tcp(0.0, C, 40000, S, 80, "S", 1000, 0, 0)
                .tcp(7.0, S, 80, C, 40000, "SA", 500, 1001, 0).advance(100));
    }

    @Test
    void pendingTimeoutFollowsTheTrackersAttemptTimeoutByDefault() {
        FlowTracker.Builder twoSeconds = FlowTracker.builder().tcpAttemptTimeout(Duration.ofSeconds(2));
        Packets plain = new Packets(FlowTracker.builder().tcpAttemptTimeout(Duration.ofSeconds(2)))
                .tcp(0.0, C, 40000, S, 80, "S", 1000, 0, 0).advance(2.1);
        Packets compressed = new Packets(twoSeconds.compressor(Compressor.defaults()))
                .tcp(0.0, C, 40000, S, 80, "S", 1000, 0, 0);
        compressed.advance(1.9);
        assertThat(compressed.records).isEmpty();
        compressed.advance(2.1);
        assertThat(compressed.records).containsExactlyElementsOf(plain.records).hasSize(1);
    }

    @Test
    void pendingSynsAllocateNothingPerPacket() {
        FlowTracker t = FlowTracker.builder().ignoreChecksums(true).compressor(Compressor.defaults()).build();
        int flows = 20_000;
        int frameSize = 40;
        ByteBuffer b = ByteBuffer.allocateDirect(flows * frameSize);
        long ts = 1_700_000_000_000_000_000L;
        for (int round = 0; round < 6; round++) {
            for (int i = 0; i < flows; i++) {
                RawFrames.tcp(b, i * frameSize, 0x0B000000 + round * flows + i, 0x0A000002, 1024 + i % 60000, 80,
                        0x02, i, 0, 0);
            }
            com.sun.management.ThreadMXBean mx =
                    (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
            long tid = Thread.currentThread().getId();
            long before = mx.getThreadAllocatedBytes(tid);
            for (int i = 0; i < flows; i++) {
                t.onFrame(ts += 1000, LinkType.RAW, b, i * frameSize, 40, 40);
            }
            long allocated = mx.getThreadAllocatedBytes(tid) - before;
            assertThat(t.stats().pendingActive()).isEqualTo(flows);
            if (round >= 3) { // earlier rounds grow the tables and compile the code
                assertThat(allocated).as("bytes allocated over %d pending SYNs", flows).isLessThan(flows);
            }
            ts += 60_000_000_000L;
            t.advanceTime(ts); // every entry leaves (records are per connection, outside the measurement)
            assertThat(t.stats().pendingActive()).isZero();
        }
        t.close();
    }
}
