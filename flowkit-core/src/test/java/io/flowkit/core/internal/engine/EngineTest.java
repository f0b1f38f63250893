package io.flowkit.core.internal.engine;

import static io.flowkit.core.internal.engine.Packets.at;
import static org.assertj.core.api.Assertions.assertThat;

import io.flowkit.CloseReason;
import io.flowkit.ConnState;
import io.flowkit.Connection;
import io.flowkit.FlowTracker;
import io.flowkit.PortKey;
import io.flowkit.Protocol;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The engine against Zeek's rules, one behaviour per test. Expected values come from Zeek's
 * source (TCPSessionAdapter, TCP_Endpoint, conn/main.zeek), worked out by hand for each packet.
 */
class EngineTest {
    private static final String C = "10.0.0.1";
    private static final String S = "10.0.0.2";

    private static String host(Connection c, boolean orig) {
        return (orig ? c.origAddress() : c.respAddress()).getHostAddress();
    }

    /** C:40000 -> S:port, ISNs 100 (client) and 500 (server). */
    private static Packets handshake(Packets p, int port) {
        return p.tcp(0.00, C, 40000, S, port, "S", 100, 0, 0)
                .tcp(0.01, S, port, C, 40000, "SA", 500, 101, 0)
                .tcp(0.02, C, 40000, S, port, "A", 101, 501, 0);
    }

    @Test
    void closesWithRejWhenResponderResetsSyn() {
        Packets p = new Packets()
                .tcp(0.0, C, 40000, S, 80, "S", 1000, 0, 0)
                .tcp(0.1, S, 80, C, 40000, "RA", 0, 1001, 0)
                .advance(5.09);
        assertThat(p.records).as("kept until the delete timer, last + 5 s").isEmpty();
        p.advance(5.1);
        Connection c = p.only();
        assertThat(c.state()).isEqualTo(ConnState.REJ);
        assertThat(c.history()).isEqualTo("Sr");
        assertThat(c.closeReason()).isEqualTo(CloseReason.CLOSED);
        assertThat(c.durationNanos()).isEqualTo(100_000_000L);
        assertThat(c.origPackets()).isEqualTo(1);
        assertThat(c.respIpBytes()).isEqualTo(40);
    }

    @Test
    void lingersTheConfiguredResetAndCloseDelays() {
        Packets rej = new Packets(FlowTracker.builder().tcpResetTimeout(Duration.ofSeconds(1))
                .tcpCloseTimeout(Duration.ofSeconds(30)))
                .tcp(0.0, C, 40000, S, 80, "S", 1000, 0, 0)
                .tcp(0.1, S, 80, C, 40000, "RA", 0, 1001, 0)
                .advance(1.09);
        assertThat(rej.records).isEmpty();
        rej.advance(1.1);
        assertThat(rej.only().state()).isEqualTo(ConnState.REJ);

        Packets fin = handshake(new Packets(FlowTracker.builder().tcpResetTimeout(Duration.ofSeconds(1))
                .tcpCloseTimeout(Duration.ofSeconds(30))), 80)
                .tcp(0.05, C, 40000, S, 80, "FA", 101, 501, 0)
                .tcp(0.06, S, 80, C, 40000, "FA", 501, 102, 0)
                .advance(30.05);
        assertThat(fin.records).isEmpty();
        fin.advance(30.06);
        assertThat(fin.only().state()).isEqualTo(ConnState.SF);
    }

    @Test
    void runsTheSecondExpireChainAHalfCloseStarts() {
        // creation starts checks at 5, 11, 17, 23 s; the FIN at 12.5 s starts another at 18.5 s.
        // The RST after the FIN ends nothing by itself (that side already closed), so an expire
        // check removes the connection: the first one past last + 5 s = 17.6 s is the second
        // chain's, at 18.5 s.
        Packets p = handshake(new Packets(), 9999)
                .advance(5).advance(11)
                .tcp(12.5, C, 40000, S, 9999, "FA", 101, 501, 0)
                .tcp(12.6, C, 40000, S, 9999, "R", 102, 0, 0)
                .advance(17).advance(18.49);
        assertThat(p.records).isEmpty();
        p.advance(18.5);
        Connection c = p.only();
        assertThat(c.history()).isEqualTo("ShAFR");
        assertThat(c.state()).isEqualTo(ConnState.RSTO);
        assertThat(c.closeReason()).isEqualTo(CloseReason.CLOSED);
    }

    @Test
    void neverOverflowsTimersNearTheEndOfTime() {
        Packets p = new Packets().udpAtNanos(Long.MAX_VALUE - 1_000, C, 5000, S, 9, 1)
                .tcp(0.0, C, 40000, S, 80, "S", 1, 0, 0);
        p.engine.advance(Long.MAX_VALUE - 1);
        assertThat(p.records).as("the SYN's attempt timer is due, the late datagram's timeout saturates")
                .extracting(Connection::protocol).containsExactly(Protocol.TCP);
        p.engine.advance(Long.MAX_VALUE);
        assertThat(p.records).hasSize(2);
        assertThat(p.records.get(1).durationNanos()).isZero();
    }

    @Test
    void endsAsRstoWhenOriginatorAbortsEstablishedConnection() {
        Connection c = handshake(new Packets(), 9999).tcp(0.1, C, 40000, S, 9999, "R", 101, 0, 0).flush().only();
        assertThat(c.state()).isEqualTo(ConnState.RSTO);
        assertThat(c.history()).isEqualTo("ShAR");
    }

    @Test
    void endsAsRstrWhenResponderAbortsEstablishedConnection() {
        Connection c = handshake(new Packets(), 9999).tcp(0.1, S, 9999, C, 40000, "R", 501, 0, 0).flush().only();
        assertThat(c.state()).isEqualTo(ConnState.RSTR);
        assertThat(c.history()).isEqualTo("ShAr");
    }

    @Test
    void endsAsRstos0WhenOriginatorResetsItsOwnSyn() {
        Connection c = new Packets().tcp(0.0, C, 40000, S, 9999, "S", 7, 0, 0)
                .tcp(0.1, C, 40000, S, 9999, "R", 8, 0, 0).flush().only();
        assertThat(c.state()).isEqualTo(ConnState.RSTOS0);
        assertThat(c.history()).isEqualTo("SR");
    }

    @Test
    void endsAsRstrhWhenResponderSynAcksAndResetsWithoutSyn() {
        Connection c = new Packets().tcp(0.0, C, 40000, S, 9999, "A", 7, 900, 0)
                .tcp(0.1, S, 9999, C, 40000, "SA", 899, 7, 0)
                .tcp(0.2, S, 9999, C, 40000, "R", 900, 0, 0).flush().only();
        assertThat(c.state()).isEqualTo(ConnState.RSTRH);
        assertThat(c.history()).isEqualTo("Ahr");
    }

    @Test
    void endsAsShWhenOriginatorSendsSynThenFinUnanswered() {
        Connection c = new Packets().tcp(0.0, C, 40000, S, 9999, "S", 7, 0, 0)
                .tcp(0.1, C, 40000, S, 9999, "F", 8, 0, 0).flush().only();
        assertThat(c.state()).isEqualTo(ConnState.SH);
        assertThat(c.history()).isEqualTo("SF");
    }

    @Test
    void endsAsShrWhenResponderSynAcksAndClosesWithoutSyn() {
        Connection c = new Packets().tcp(0.0, S, 80, C, 40000, "SA", 899, 7, 0)
                .tcp(0.1, S, 80, C, 40000, "FA", 900, 7, 0).flush().only();
        assertThat(c.state()).isEqualTo(ConnState.SHR);
        assertThat(c.history()).isEqualTo("^hf");
    }

    @Test
    void endsAsS2AndS3WhenOnlyOneSideOfAnEstablishedConnectionCloses() {
        Connection s2 = handshake(new Packets(), 9999).tcp(0.1, C, 40000, S, 9999, "FA", 101, 501, 0).flush().only();
        assertThat(s2.state()).isEqualTo(ConnState.S2);
        assertThat(s2.history()).isEqualTo("ShAF");
        Connection s3 = handshake(new Packets(), 9999).tcp(0.1, S, 9999, C, 40000, "FA", 501, 101, 0).flush().only();
        assertThat(s3.state()).isEqualTo(ConnState.S3);
        assertThat(s3.history()).isEqualTo("ShAf");
    }

    @Test
    void closesWithSfAfterHandshakeDataAndFinExchange() {
        Packets p = handshake(new Packets(), 80)
                .tcp(0.03, C, 40000, S, 80, "A", 101, 501, 10)
                .tcp(0.04, S, 80, C, 40000, "A", 501, 111, 20)
                .tcp(0.05, C, 40000, S, 80, "FA", 111, 521, 0)
                .tcp(0.06, S, 80, C, 40000, "FA", 521, 112, 0)
                .tcp(0.07, C, 40000, S, 80, "A", 112, 522, 0)
                .advance(5.05);
        assertThat(p.records).isEmpty();
        p.advance(5.06);
        Connection c = p.only();
        assertThat(c.state()).isEqualTo(ConnState.SF);
        assertThat(c.history()).isEqualTo("ShADdFf");
        assertThat(c.origBytes()).isEqualTo(10);
        assertThat(c.respBytes()).isEqualTo(20);
        assertThat(c.durationNanos()).as("last time freezes once both sides closed").isEqualTo(60_000_000L);
        assertThat(c.origPackets()).isEqualTo(5);
        assertThat(c.respPackets()).isEqualTo(3);
        assertThat(c.origIpBytes()).isEqualTo(5 * 40 + 10);
        assertThat(c.closeReason()).isEqualTo(CloseReason.CLOSED);
    }

    @Test
    void removesUnansweredSynAsS0WhenAttemptTimerFires() {
        Packets p = new Packets()
                .tcp(0.0, C, 40000, S, 22, "S", 7, 0, 0)
                .tcp(3.0, C, 40000, S, 22, "S", 7, 0, 0)
                .advance(4.99);
        assertThat(p.records).isEmpty();
        p.advance(5.0);
        Connection c = p.only();
        assertThat(c.state()).isEqualTo(ConnState.S0);
        assertThat(c.history()).as("a retransmitted SYN with the same sequence adds no letter").isEqualTo("S");
        assertThat(c.origPackets()).isEqualTo(2);
        assertThat(c.durationNanos()).isEqualTo(3_000_000_000L);
        assertThat(c.closeReason()).isEqualTo(CloseReason.INACTIVITY_TIMEOUT);
    }

    @Test
    void flipsSynAckFirstConnectionWhenTheOtherSideAcks() {
        Packets p = new Packets()
                .tcp(0.0, S, 5555, C, 40000, "SA", 900, 51, 0)
                .tcp(0.1, C, 40000, S, 5555, "A", 51, 901, 0)
                .flush();
        Connection c = p.only();
        assertThat(c.history()).isEqualTo("^hA");
        assertThat(host(c, true)).isEqualTo(C);
        assertThat(c.origPort()).isEqualTo(40000);
        assertThat(c.respPort()).isEqualTo(5555);
        assertThat(c.origPackets()).as("counters follow the flip").isEqualTo(1);
        assertThat(c.respPackets()).isEqualTo(1);
        assertThat(c.state()).isEqualTo(ConnState.OTH);
    }

    @Test
    void flipsSynAckFromLikelyServerPortAtCreation() {
        Packets p = new Packets().tcp(0.0, S, 80, C, 40000, "SA", 900, 51, 0).flush();
        Connection c = p.only();
        assertThat(c.history()).isEqualTo("^h");
        assertThat(host(c, true)).isEqualTo(C);
        assertThat(c.respPort()).isEqualTo(80);
    }

    @Test
    void recomputesLocalOrigAndLocalRespAfterFlip() {
        Packets p = new Packets(FlowTracker.builder().localNetworks("10.0.0.0/8"))
                .tcp(0.0, S, 80, "8.8.8.8", 40000, "SA", 900, 51, 0).flush();
        Connection c = p.only();
        assertThat(host(c, true)).isEqualTo("8.8.8.8");
        assertThat(c.localOrig()).isFalse();
        assertThat(c.localResp()).isTrue();
    }

    @Test
    void startsNewConnectionWhenSynReusesRejectedTuple() {
        Packets p = new Packets()
                .tcp(0.0, C, 40000, S, 110, "S", 1000, 0, 0)
                .tcp(0.1, S, 110, C, 40000, "RA", 0, 1001, 0)
                .tcp(1.0, C, 40000, S, 110, "S", 2000, 0, 0);
        assertThat(p.only().closeReason()).isEqualTo(CloseReason.REUSED);
        assertThat(p.only().state()).isEqualTo(ConnState.REJ);
        p.flush();
        assertThat(p.records).hasSize(2);
        Connection second = p.records.get(1);
        assertThat(second.history()).isEqualTo("S");
        assertThat(second.state()).isEqualTo(ConnState.S0);
        assertThat(second.uid()).isNotEqualTo(p.records.get(0).uid());
    }

    @Test
    void marksRetransmittedDataWithTAndCountsItOnce() {
        Packets p = handshake(new Packets(), 80)
                .tcp(0.03, C, 40000, S, 80, "A", 101, 501, 10)
                .tcp(0.04, C, 40000, S, 80, "A", 101, 501, 10)
                .flush();
        Connection c = p.only();
        assertThat(c.history()).isEqualTo("ShADT");
        assertThat(c.origBytes()).isEqualTo(10);
        assertThat(c.state()).isEqualTo(ConnState.S1);
        assertThat(c.closeReason()).isEqualTo(CloseReason.END_OF_INPUT);
    }

    @Test
    void countsPayloadAcrossThe32BitSequenceWrap() {
        long isn = 0xFFFF_FFF0L;
        Packets p = new Packets()
                .tcp(0.0, C, 40000, S, 80, "S", isn, 0, 0)
                .tcp(0.1, S, 80, C, 40000, "SA", 500, isn + 1, 0)
                .tcp(0.2, C, 40000, S, 80, "A", isn + 1, 501, 10)
                .tcp(0.3, C, 40000, S, 80, "A", isn + 11, 501, 10)
                .tcp(0.4, C, 40000, S, 80, "A", isn + 21, 501, 10)
                .tcp(0.5, S, 80, C, 40000, "A", 501, isn + 31, 0)
                .flush();
        Connection c = p.only();
        assertThat(c.origBytes()).isEqualTo(30);
        assertThat(c.missedBytes()).isZero();
        assertThat(c.history()).isEqualTo("ShDa");
    }

    @Test
    void reportsContentGapAsMissedBytesWhenAckPassesHole() {
        Packets p = handshake(new Packets(), 80)
                .tcp(0.03, C, 40000, S, 80, "A", 101, 501, 100)
                .tcp(0.04, C, 40000, S, 80, "A", 301, 501, 100)
                .tcp(0.05, S, 80, C, 40000, "A", 501, 401, 0)
                .flush();
        Connection c = p.only();
        assertThat(c.missedBytes()).isEqualTo(100);
        assertThat(c.history()).isEqualTo("ShADaG");
        assertThat(c.origBytes()).as("sizes come from sequence numbers, holes included").isEqualTo(300);
    }

    @Test
    void countsEveryHoleAnAckPassesWhenSeveralAreOpen() {
        Packets p = handshake(new Packets(), 80)
                .tcp(0.03, C, 40000, S, 80, "A", 101, 501, 100)   // relative 1..101
                .tcp(0.04, C, 40000, S, 80, "A", 301, 501, 100)   // 201..301, above a hole
                .tcp(0.05, C, 40000, S, 80, "A", 451, 501, 50)    // 351..401, above a second hole
                .tcp(0.06, C, 40000, S, 80, "A", 201, 501, 50)    // 101..151, part of the first hole
                .tcp(0.07, S, 80, C, 40000, "A", 501, 501, 0)     // acks everything up to 401
                .flush();
        Connection c = p.only();
        // never seen: 151..201 and 301..351
        assertThat(c.missedBytes()).isEqualTo(100);
        // Zeek counts the late segment below the highest sequence seen as a retransmission
        assertThat(c.history()).isEqualTo("ShADTaG");
    }

    @Test
    void addsOnlyChecksumLetterForBadChecksumPackets() {
        Packets p = new Packets().badTcp(0.0, C, 40000, S, 80, "S", 5).flush();
        Connection c = p.only();
        assertThat(c.history()).isEqualTo("C");
        assertThat(c.origPackets()).isZero();
        assertThat(c.state()).isEqualTo(ConnState.OTH);

        Packets q = handshake(new Packets(), 80).badTcp(0.5, S, 80, C, 40000, "A", 501).flush();
        Connection d = q.only();
        assertThat(d.history()).isEqualTo("ShAc");
        assertThat(d.respPackets()).isEqualTo(1);
        assertThat(d.durationNanos()).isEqualTo(20_000_000L);
    }

    @Test
    void createsConnectionForTruncatedTcpHeaderButIgnoresThePacket() {
        Packets p = new Packets().truncatedTcp(0.0, S, 5555, C, 56960, "SA").advance(5.0).advance(10.99);
        assertThat(p.records).as("expire timer checks at 5 s (not yet past linger) and 11 s").isEmpty();
        p.advance(11.0);
        Connection c = p.only();
        assertThat(c.history()).isEmpty();
        assertThat(c.origPackets()).isZero();
        assertThat(c.respPackets()).isZero();
        assertThat(c.state()).isEqualTo(ConnState.OTH);
        assertThat(c.respPort()).isEqualTo(56960);
    }

    @Test
    void removesIdleTruncatedConnectionAtTheFirstExpireCheckPastTheLinger() {
        // timers fire with the network time of the advance that reaches them, as in Zeek
        Packets p = new Packets().truncatedTcp(0.0, S, 5555, C, 56960, "SA").advance(7.0);
        assertThat(p.only().closeReason()).isEqualTo(CloseReason.INACTIVITY_TIMEOUT);
    }

    @Test
    void appliesOneHourTimeoutToEstablishedSshButFiveMinutesToOtherPorts() {
        Packets ssh = handshake(new Packets(), 22).advance(3_000);
        assertThat(ssh.records).isEmpty();
        ssh.flush();
        assertThat(ssh.only().state()).isEqualTo(ConnState.S1);

        Packets other = handshake(new Packets(), 9999).advance(300.019);
        assertThat(other.records).isEmpty();
        other.advance(300.02);
        assertThat(other.only().closeReason()).isEqualTo(CloseReason.INACTIVITY_TIMEOUT);
    }

    @Test
    void honoursConfiguredInactivityTimeoutsPerProtocolAndPort() {
        Packets p = new Packets(FlowTracker.builder().udpInactivityTimeout(Duration.ofSeconds(10))
                .inactivityTimeout(PortKey.parse("5353/udp"), Duration.ofSeconds(100)))
                .udp(0, C, 5000, S, 9, 10)
                .udp(0, C, 5000, S, 5353, 10)
                .advance(10);
        assertThat(p.only().respPort()).isEqualTo(9);
        p.advance(99.9);
        assertThat(p.records).hasSize(1);
        p.advance(100);
        assertThat(p.records).hasSize(2);
    }

    @Test
    void tracksUdpRequestAndReplyAsSfAndTimesOutAfterAMinute() {
        Packets p = new Packets().udp(0.0, C, 5000, S, 53, 30).udp(0.1, S, 53, C, 5000, 100).advance(60.09);
        assertThat(p.records).isEmpty();
        p.advance(60.1);
        Connection c = p.only();
        assertThat(c.protocol()).isEqualTo(Protocol.UDP);
        assertThat(c.state()).isEqualTo(ConnState.SF);
        assertThat(c.history()).isEqualTo("Dd");
        assertThat(c.origBytes()).isEqualTo(30);
        assertThat(c.respBytes()).isEqualTo(100);
        assertThat(c.respIpBytes()).isEqualTo(128);
    }

    @Test
    void flipsUdpReplyFromLikelyServerPortToShr() {
        Connection c = new Packets().udp(0.0, S, 53, C, 5000, 100).flush().only();
        assertThat(c.history()).isEqualTo("^d");
        assertThat(c.state()).isEqualTo(ConnState.SHR);
        assertThat(host(c, true)).isEqualTo(C);
    }

    @Test
    void doesNotFlipTowardsBroadcastResponder() {
        Connection c = new Packets().udp(0.0, S, 53, "255.255.255.255", 5000, 100).flush().only();
        assertThat(c.history()).isEqualTo("D");
        assertThat(c.state()).isEqualTo(ConnState.S0);
        assertThat(host(c, true)).isEqualTo(S);
    }

    @Test
    void pairsIcmpEchoRequestAndReplyAndKeysUnreachableOneWay() {
        Packets p = new Packets()
                .icmp(0.0, C, S, 8, 0, 56)
                .icmp(0.1, S, C, 0, 0, 56)
                .icmp(0.2, S, C, 3, 3, 36)
                .flush();
        assertThat(p.records).hasSize(2);
        Connection echo = p.records.stream().filter(x -> x.origPort() == 8).findFirst().orElseThrow();
        assertThat(echo.respPort()).isEqualTo(0);
        assertThat(echo.state()).isEqualTo(ConnState.OTH);
        assertThat(echo.origBytes()).isEqualTo(56);
        assertThat(echo.respBytes()).isEqualTo(56);
        assertThat(echo.history()).isEmpty();
        Connection unreach = p.records.stream().filter(x -> x.origPort() == 3).findFirst().orElseThrow();
        assertThat(host(unreach, true)).isEqualTo(S);
        assertThat(unreach.respPort()).as("one-way messages put the code in resp_p").isEqualTo(3);
        assertThat(p.unreachables).hasSize(1);
    }

    @Test
    void tracksOtherIpProtocolsWithZeroPorts() {
        Connection c = new Packets().other(0.0, C, "224.0.0.5", 89, 76).other(1.0, C, "224.0.0.5", 89, 76)
                .flush().only();
        assertThat(c.protocol()).isEqualTo(Protocol.UNKNOWN_TRANSPORT);
        assertThat(c.origPort()).isZero();
        assertThat(c.respPort()).isZero();
        assertThat(c.ipProto()).isEqualTo(89);
        assertThat(c.origIpBytes()).isEqualTo(152);
        assertThat(c.origBytes()).isZero();
        assertThat(c.durationNanos()).isEqualTo(1_000_000_000L);
    }

    @Test
    void leavesDurationZeroForSinglePacketConnections() {
        Connection c = new Packets().udp(0.0, C, 5000, S, 9999, 10).flush().only();
        assertThat(c.durationNanos()).isZero();
        assertThat(c.startNanos()).isEqualTo(at(0.0));
    }

    @Test
    void evictsTheConnectionDueSoonestAtTheBoundAndNeverGrowsPastIt() {
        // UDP flows on one timeout (60 s): the stalest goes, whichever was created first; .1's
        // packet at 45 s moved only its last time, and the wheel files its timer again on the way
        Packets p = new Packets(FlowTracker.builder().maxConnections(3))
                .udp(0, "10.1.0.1", 1, S, 9, 1)
                .udp(20, "10.1.0.2", 1, S, 9, 1)
                .udp(40, "10.1.0.3", 1, S, 9, 1)
                .udp(45, "10.1.0.1", 1, S, 9, 1)
                .udp(50, "10.1.0.4", 1, S, 9, 1);
        Connection evicted = p.only();
        assertThat(evicted.closeReason()).isEqualTo(CloseReason.EVICTED);
        assertThat(host(evicted, true)).isEqualTo("10.1.0.2");
        assertThat(p.engine.active()).isEqualTo(3);
        assertThat(p.engine.evicted()).isEqualTo(1);
        assertThat(p.engine.peak()).isEqualTo(3);
        // the next two go in deadline order too: .3 (100 s), then .1 (105 s)
        p.udp(51, "10.1.0.5", 1, S, 9, 1).udp(52, "10.1.0.6", 1, S, 9, 1);
        assertThat(p.records).extracting(x -> host(x, true)).containsExactly("10.1.0.2", "10.1.0.3", "10.1.0.1");
        assertThat(p.engine.active()).isEqualTo(3);
    }

    @Test
    void evictsAnUnansweredAttemptBeforeAnOlderEstablishedFlow() {
        // the attempt's timer (5 s) is due long before the flow's inactivity timeout (60 s)
        Packets p = new Packets(FlowTracker.builder().maxConnections(2))
                .udp(0, "10.1.0.1", 1, S, 9, 1)
                .udp(0.5, S, 9, "10.1.0.1", 1, 1)
                .tcp(10, "10.1.0.2", 40000, S, 80, "S", 1, 0, 0)
                .udp(11, "10.1.0.3", 1, S, 9, 1);
        Connection evicted = p.only();
        assertThat(evicted.closeReason()).isEqualTo(CloseReason.EVICTED);
        assertThat(host(evicted, true)).isEqualTo("10.1.0.2");
        assertThat(evicted.history()).isEqualTo("S");
    }

    @Test
    void flushesAttemptsFirstThenTheRestInZeekKeyOrder() {
        Packets p = new Packets()
                .udp(0.0, "10.0.0.9", 1000, "10.0.0.8", 53, 10)
                .udp(0.1, "10.0.0.3", 1000, "10.0.0.4", 53, 10)
                .tcp(0.2, "10.0.0.7", 40000, "10.0.0.6", 80, "S", 1, 0, 0)
                .flush();
        List<String> order = p.records.stream().map(x -> host(x, true)).toList();
        assertThat(order).containsExactly("10.0.0.7", "10.0.0.3", "10.0.0.9");
        assertThat(p.records).allMatch(x -> x.closeReason() == CloseReason.END_OF_INPUT);
    }

    @Test
    void flushesThousandsOfConnectionsOnceEachAttemptsByDeadlineThenByKey() {
        // clients in 10/8 and servers in 192.168/16, so the client is always key endpoint a and
        // Zeek's key order is (client, server, client port, server port, protocol)
        java.util.SplittableRandom rnd = new java.util.SplittableRandom(17);
        Packets p = new Packets(FlowTracker.builder().maxConnections(10_000));
        List<String> attempts = new java.util.ArrayList<>();
        List<long[]> rest = new java.util.ArrayList<>();
        int[] serverPorts = {53, 80, 443, 8080};
        int n = 5_000;
        for (int i = 0; i < n; i++) {
            double t = i * 0.0007; // all within 3.5 s: no attempt timer fires before the flush
            int client = 0x0A000000 | rnd.nextInt(1 << 20);
            int server = 0xC0A80000 | rnd.nextInt(64);
            int cport = 1024 + rnd.nextInt(60_000);
            int sport = serverPorts[rnd.nextInt(serverPorts.length)];
            String c = dotted(client);
            String srv = dotted(server);
            int kind = rnd.nextInt(3);
            if (kind == 0) {
                p.tcp(t, c, cport, srv, sport, "S", 1, 0, 0);
                attempts.add(c + ":" + cport + ">" + srv + ":" + sport);
            } else if (kind == 1) {
                p.tcp(t, c, cport, srv, sport, "S", 1, 0, 0)
                        .tcp(t + 0.0001, srv, sport, c, cport, "SA", 9, 2, 0)
                        .tcp(t + 0.0002, c, cport, srv, sport, "A", 2, 10, 0);
                rest.add(new long[] {client & 0xFFFF_FFFFL, server & 0xFFFF_FFFFL, cport, sport, 6});
            } else {
                p.udp(t, c, cport, srv, sport, 20);
                rest.add(new long[] {client & 0xFFFF_FFFFL, server & 0xFFFF_FFFFL, cport, sport, 17});
            }
        }
        assertThat(p.records).as("nothing ends before the flush").isEmpty();
        p.flush();
        assertThat(p.records).hasSize(n).allMatch(x -> x.closeReason() == CloseReason.END_OF_INPUT);
        List<String> got = p.records.stream()
                .map(x -> host(x, true) + ":" + x.origPort() + ">" + host(x, false) + ":" + x.respPort()).toList();
        assertThat(got.subList(0, attempts.size())).as("unanswered attempts first, by deadline")
                .containsExactlyElementsOf(attempts);
        assertThat(p.records.subList(0, attempts.size())).allMatch(x -> x.state() == ConnState.S0);
        rest.sort((x, y) -> {
            for (int k = 0; k < x.length; k++) {
                int cmp = Long.compare(x[k], y[k]);
                if (cmp != 0) {
                    return cmp;
                }
            }
            return 0;
        });
        List<String> want = rest.stream()
                .map(x -> dotted((int) x[0]) + ":" + x[2] + ">" + dotted((int) x[1]) + ":" + x[3]).toList();
        assertThat(got.subList(attempts.size(), n)).as("the rest in key order").containsExactlyElementsOf(want);
        assertThat(p.engine.active()).isZero();
    }

    private static String dotted(int a) {
        return (a >>> 24) + "." + ((a >>> 16) & 0xFF) + "." + ((a >>> 8) & 0xFF) + "." + (a & 0xFF);
    }

    @Test
    void givesUniqueUidsReproducibleFromTheSeed() {
        Uids a = new Uids(7);
        Uids b = new Uids(7);
        Set<String> seen = new HashSet<>();
        for (long n = 0; n < 20_000; n++) {
            String u = a.uid(n);
            assertThat(u).matches("C[0-9A-Za-z]{12,17}").isEqualTo(b.uid(n));
            assertThat(seen.add(u)).isTrue();
        }
        assertThat(new Uids(8).uid(0)).isNotEqualTo(a.uid(0));
    }

    @Test
    void matchesZeekRstos0PatternOnHistory() {
        assertThat(Tcp.rstos0History("SR")).isTrue();
        assertThat(Tcp.rstos0History("^SdR")).isTrue();
        assertThat(Tcp.rstos0History("SAR")).isFalse();
        assertThat(Tcp.rstos0History("R")).isFalse();
    }
}
