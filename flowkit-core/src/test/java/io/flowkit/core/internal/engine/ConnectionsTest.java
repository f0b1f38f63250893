package io.flowkit.core.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.flowkit.ConnState;
import io.flowkit.Connection;
import io.flowkit.FlowTracker;
import io.flowkit.core.internal.table.ConnectionTable;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The compact per-connection columns give back exactly what was stored, also past the point
 * where a value leaves its narrow half word for a side map: long histories, scaled counters past
 * 255, byte counts and sequence numbers past 4 GiB, FIN positions, last packet times, reused TCP
 * rows and uid numbers more than 2^32 apart.
 */
class ConnectionsTest {
    private static final long GIB4 = 1L << 32;

    private static Connections connections(int slots) {
        return new Connections(new ConnectionTable(slots, slots, Connections.WORDS), false);
    }

    @Test
    void keepsHistoryLettersInOrderPastOnePackedWord() {
        Connections c = connections(4);
        c.init(1, 0, 0, 0, false);
        StringBuilder want = new StringBuilder();
        for (int i = 0; i < 40; i++) {
            char letter = Connections.LETTERS.charAt((i * 7) % Connections.LETTERS.length());
            c.addHistory(1, letter);
            want.append(letter);
            assertThat(c.history(1)).isEqualTo(want.toString());
        }
        c.replaceHistory(1, '^', 'h');
        assertThat(c.history(1)).isEqualTo("^h");
        c.release(1);
        c.init(1, 0, 0, 0, false);
        assertThat(c.history(1)).isEmpty();
        assertThat(c.historyIs(1, 'S')).isFalse();
        c.addHistory(1, 'S');
        assertThat(c.historyIs(1, 'S')).isTrue();
    }

    @Test
    void addsScaledLettersAtPowersOfTenBeforeAndAfterTheCountersWiden() {
        Connections c = connections(2);
        c.init(0, 0, 0, 0, true);
        int e = c.tcpEndpoint(0, 0);
        for (int i = 0; i < 5; i++) {
            c.scaledHistory(0, e, Connections.CNT_WIN0, 'W');
        }
        // the first zero window moved the counters to 16 bits; letters end at the 10,000th
        for (int i = 0; i < 70_000; i++) {
            c.scaledHistory(0, e, Connections.CNT_RXMIT, 'T');
        }
        // the zero-window counter goes on from 5
        for (int i = 0; i < 1_200; i++) {
            c.scaledHistory(0, e, Connections.CNT_WIN0, 'W');
        }
        for (int i = 0; i < 40; i++) {
            c.scaledHistory(0, e, Connections.CNT_GAP, 'G');
        }
        c.scaledHistory(0, c.tcpEndpoint(0, 1), Connections.CNT_GAP, 'g');
        // T at 1, 10, 100, 1000, 10000; W at 1, then 10, 100, 1000 across the move; G at 1 and 10
        assertThat(c.history(0)).isEqualTo("WTTTTTWWWGGg");
    }

    @Test
    void countsRetransmissionsExactlyWhenTheNarrowCounterJustFitsAndWhenItJustDoesNot() {
        Connections c = connections(2);
        c.init(0, 0, 0, 0, true);
        int e = c.tcpEndpoint(0, 0);
        c.changeState(e, Connections.ESTABLISHED);
        c.epSet(e, Connections.E_FIN_SEEN);
        for (int i = 0; i < 1023; i++) { // the most the flags' ten bits hold
            c.scaledHistory(0, e, Connections.CNT_RXMIT, 'T');
        }
        assertThat(c.history(0)).isEqualTo("TTTT");
        c.scaledHistory(0, e, Connections.CNT_RXMIT, 'T'); // the 1,024th moves the counters
        for (int i = 1024; i < 9999; i++) {
            c.scaledHistory(0, e, Connections.CNT_RXMIT, 'T');
        }
        assertThat(c.history(0)).isEqualTo("TTTT");
        c.scaledHistory(0, e, Connections.CNT_RXMIT, 'T');
        assertThat(c.history(0)).isEqualTo("TTTTT");
        c.scaledHistory(0, e, Connections.CNT_CHECKSUM, 'C');
        assertThat(c.history(0)).isEqualTo("TTTTTC");
        // the flags sharing the word are untouched, and a reused row counts from zero
        assertThat(c.state(e)).isEqualTo(Connections.ESTABLISHED);
        assertThat(c.prevState(e)).isEqualTo(Connections.INACTIVE);
        assertThat(c.epHas(e, Connections.E_FIN_SEEN)).isTrue();
        c.release(0);
        c.init(0, 0, 1, 0, true);
        for (int i = 0; i < 10; i++) {
            c.scaledHistory(0, e, Connections.CNT_RXMIT, 'T');
        }
        assertThat(c.history(0)).isEqualTo("TT");
        assertThat(c.state(e)).isEqualTo(Connections.INACTIVE);
    }

    @Test
    void carriesTheRetransmissionCountOverWhenAnotherCounterStarts() {
        int[] others = {Connections.CNT_CHECKSUM, Connections.CNT_WIN0, Connections.CNT_GAP};
        char[] letters = {'C', 'W', 'G'};
        for (int k = 0; k < others.length; k++) {
            Connections c = connections(2);
            c.init(0, 0, 0, 0, true);
            int e = c.tcpEndpoint(0, 1);
            for (int i = 0; i < 15; i++) {
                c.scaledHistory(0, e, Connections.CNT_RXMIT, 't');
            }
            c.scaledHistory(0, e, others[k], letters[k]);
            for (int i = 15; i < 100; i++) {
                c.scaledHistory(0, e, Connections.CNT_RXMIT, 't');
            }
            for (int i = 1; i < 10; i++) {
                c.scaledHistory(0, e, others[k], letters[k]);
            }
            assertThat(c.history(0)).as("counter %c", letters[k])
                    .isEqualTo("tt" + letters[k] + "t" + letters[k]);
        }
    }

    @Test
    void countsUdpBadChecksumsPerSideOnTheScaledRule() {
        Connections c = connections(2);
        c.init(0, 0, 0, 0, false);
        for (int i = 0; i < 100; i++) {
            c.udpBadChecksum(0, 'C');
        }
        c.udpBadChecksum(1, 'c');
        assertThat(c.history(0)).isEqualTo("CCCc");
        c.release(0);
        c.init(0, 0, 0, 0, false);
        c.udpBadChecksum(0, 'C');
        assertThat(c.history(0)).isEqualTo("C");
    }

    @Test
    void keepsByteCountsExactPastFourGibAndResetsThemForTheNextConnection() {
        Connections c = connections(2);
        c.init(1, 0, 0, 0, false);
        long sent = 0;
        while (sent <= GIB4 + 70_000) {
            c.addIpBytes(2, 65_535);
            c.addPayload(3, 65_507);
            sent += 65_535;
        }
        assertThat(c.ipBytes(2)).isEqualTo(sent);
        assertThat(c.payloadBytes(3)).isEqualTo(sent / 65_535 * 65_507);
        assertThat(c.ipBytes(3)).isZero();
        assertThat(c.sent(3)).isTrue();
        assertThat(c.sent(2)).isFalse();
        c.release(1);
        c.init(1, 0, 0, 0, false);
        assertThat(c.ipBytes(2)).isZero();
        assertThat(c.payloadBytes(3)).isZero();
        assertThat(c.sent(3)).isFalse();
    }

    @Test
    void keepsReassemblyPointsExactAsNegativeAndWideValuesOnBothSides() {
        Connections c = connections(2);
        c.init(1, 0, 0, 0, true);
        int a = c.tcpEndpoint(1, 0);
        int b = c.tcpEndpoint(1, 1);
        c.openTcpRow(a >> 1);
        c.lastReassem(a, 0xFFFF_FFFFL);
        c.trimSeq(a, -5);
        c.lastReassem(b, 7);
        c.trimSeq(b, GIB4 + 7);
        c.closeTcpRow();
        c.openTcpRow(a >> 1);
        c.startSeq(a, -1);
        c.ackSeq(a, 0x8000_0000);
        c.lastSeq(a, 42);
        c.closeTcpRow();
        c.openTcpRow(a >> 1);
        assertThat(c.lastReassem(a)).isEqualTo(0xFFFF_FFFFL);
        assertThat(c.trimSeq(a)).isEqualTo(-5);
        assertThat(c.lastReassem(b)).isEqualTo(7);
        assertThat(c.trimSeq(b)).isEqualTo(GIB4 + 7);
        assertThat(c.startSeq(a)).isEqualTo(-1);
        assertThat(c.ackSeq(a)).isEqualTo(0x8000_0000);
        assertThat(c.lastSeq(a)).isEqualTo(42);
        c.trimSeq(a, 3);
        c.closeTcpRow();
        c.changeState(a, Connections.ESTABLISHED);
        c.changeState(a, Connections.CLOSED);
        c.openTcpRow(a >> 1);
        assertThat(c.trimSeq(a)).isEqualTo(3);
        c.closeTcpRow();
        assertThat(c.state(a)).isEqualTo(Connections.CLOSED);
        assertThat(c.prevState(a)).isEqualTo(Connections.ESTABLISHED);
        c.release(1);
        c.init(1, 0, 1, 0, true);
        int f = c.tcpEndpoint(1, 0);
        c.openTcpRow(f >> 1);
        assertThat(c.lastReassem(f)).isEqualTo(1);
        assertThat(c.trimSeq(f)).isEqualTo(1);
        assertThat(c.trimSeq(f ^ 1)).isEqualTo(1);
        c.closeTcpRow();
        assertThat(c.widePoints()).isZero();
    }

    @Test
    void keepsReassemblyAndTrimPointsExactWhileTheSequenceNumbersTheyAreStoredAgainstMove() {
        Connections c = connections(4);
        java.util.Random rnd = new java.util.Random(7);
        for (int conn = 0; conn < 200; conn++) {
            c.init(1, 0, conn, 0, true);
            int row = c.tcpEndpoint(1, 0) >> 1;
            long[] reassem = {1, 1};
            long[] trim = {1, 1};
            c.openTcpRow(row);
            for (int step = 0; step < 300; step++) {
                int e = 2 * row + rnd.nextInt(2);
                int side = e & 1;
                // mostly small moves, as in-order data makes; now and then a jump or a wrap
                int move = rnd.nextInt(10) == 0 ? rnd.nextInt() : rnd.nextInt(3000) - 100;
                long near = rnd.nextInt(9) - 4;
                switch (rnd.nextInt(12)) {
                    case 0 -> c.startSeq(e, c.startSeq(e) + move);
                    case 1, 2 -> c.lastSeq(e, c.lastSeq(e) + move);
                    case 3, 4 -> c.ackSeq(e, c.ackSeq(e) + move);
                    case 5 -> {
                        if (rnd.nextInt(20) == 0) {
                            c.incSeqWraps(e);
                        } else {
                            c.incAckWraps(e);
                        }
                    }
                    case 6, 7 -> {
                        // a point just below or above where the last sequence number is now
                        reassem[side] = (c.lastSeq(e) - c.startSeq(e)) + near + (rnd.nextInt(8) == 0 ? move : 0);
                        c.lastReassem(e, reassem[side]);
                    }
                    case 8, 9 -> {
                        trim[side] = (c.ackSeq(e) - c.startSeq(e)) + near + (rnd.nextInt(8) == 0 ? move : 0);
                        c.trimSeq(e, trim[side]);
                    }
                    case 10 -> { // the packet ends, the next one begins
                        c.closeTcpRow();
                        c.openTcpRow(row);
                    }
                    default -> c.changeState(e, (byte) rnd.nextInt(7));
                }
                for (int x = 0; x < 2; x++) {
                    assertThat(c.lastReassem(2 * row + x)).as("reassembly point, step %d", step).isEqualTo(reassem[x]);
                    assertThat(c.trimSeq(2 * row + x)).as("trim point, step %d", step).isEqualTo(trim[x]);
                }
            }
            c.closeTcpRow();
            c.openTcpRow(row);
            for (int x = 0; x < 2; x++) {
                assertThat(c.lastReassem(2 * row + x)).isEqualTo(reassem[x]);
                assertThat(c.trimSeq(2 * row + x)).isEqualTo(trim[x]);
            }
            c.closeTcpRow();
            c.release(1);
            assertThat(c.widePoints()).as("points left in the maps after release").isZero();
        }
    }

    @Test
    void storesInOrderReassemblyAndTrimPointsInTheRowAndAHoleInTheMap() {
        Connections c = connections(2);
        c.init(0, 0, 0, 0, true);
        int e = c.tcpEndpoint(0, 0);
        // a SYN at 1000, then 100 segments of 1448 bytes, each acknowledged, worked on as packets are
        c.openTcpRow(e >> 1);
        c.startSeq(e, 1000);
        c.ackSeq(e, 1000);
        c.lastSeq(e, 1001);
        assertThat(c.lastReassem(e)).isEqualTo(1);
        assertThat(c.trimSeq(e)).isEqualTo(1);
        c.closeTcpRow();
        for (int i = 0; i < 100; i++) {
            c.openTcpRow(e >> 1);
            int before = c.lastSeq(e);
            c.lastSeq(e, before + 1448);
            c.ackSeq(e, before + 1448);
            if (i != 40 && c.lastReassem(e) == before - 1000) { // segment 40 is lost, reassembly stops there
                c.lastReassem(e, before + 1448 - 1000);
            }
            c.trimSeq(e, before + 1448 - 1000);
            c.closeTcpRow();
            assertThat(c.widePoints()).as("after segment %d", i).isEqualTo(i >= 40 ? 1 : 0);
        }
        // the acknowledgement passed the hole: reassembly catches up, the map is empty again
        c.openTcpRow(e >> 1);
        assertThat(c.lastReassem(e)).isEqualTo(1 + 40 * 1448);
        c.lastReassem(e, c.trimSeq(e));
        c.closeTcpRow();
        c.openTcpRow(e >> 1);
        assertThat(c.lastReassem(e)).isEqualTo(1 + 100 * 1448);
        c.closeTcpRow();
        assertThat(c.widePoints()).isZero();
    }

    @Test
    void derivesTheLastFinPositionUntilAFinWithRstMovesTheFinSequence() {
        Connections c = connections(2);
        c.init(0, 0, 0, 0, true);
        int e = c.tcpEndpoint(0, 1);
        assertThat(c.histLastFin(e)).isZero();
        c.finOnlyAt(e);
        c.finSeq(e, 1001, true);
        assertThat(c.histLastFin(e)).isEqualTo(1000);
        c.finSeq(e, 5000, false); // FIN+RST: the FIN-only position stays
        assertThat(c.histLastFin(e)).isEqualTo(1000);
        assertThat(c.finSeq(e)).isEqualTo(5000);
        c.finOnlyAt(e);
        c.finSeq(e, GIB4 + 8, true);
        assertThat(c.histLastFin(e)).isEqualTo(7);
    }

    @Test
    void keepsBothTcpDeadlinesExactWhetherTheyShareTheWordOrDiffer() {
        Connections c = connections(4);
        c.init(1, 0, 0, 0, true);
        assertThat(c.attemptAt(1)).isZero();
        assertThat(c.expireAt(1)).isZero();
        long t = 1_700_000_005_000_000_000L;
        c.expireAt(1, t);
        c.attemptAt(1, t); // a SYN's attempt deadline equals the first expire check
        assertThat(c.attemptAt(1)).isEqualTo(t);
        assertThat(c.expireAt(1)).isEqualTo(t);
        c.attemptAt(1, t + 1); // differs by one nanosecond: the attempt moves to the map
        assertThat(c.attemptAt(1)).isEqualTo(t + 1);
        assertThat(c.expireAt(1)).isEqualTo(t);
        c.expireAt(1, Long.MAX_VALUE);
        assertThat(c.attemptAt(1)).isEqualTo(t + 1);
        assertThat(c.expireAt(1)).isEqualTo(Long.MAX_VALUE);
        c.expireAt(1, 0); // a complete close cancels the chain: the delete deadline alone
        assertThat(c.attemptAt(1)).isEqualTo(t + 1);
        assertThat(c.expireAt(1)).isZero();
        c.attemptAt(1, 0);
        c.expireAt(1, t - 1);
        assertThat(c.attemptAt(1)).isZero();
        assertThat(c.expireAt(1)).isEqualTo(t - 1);
        c.attemptAt(1, Long.MIN_VALUE);
        assertThat(c.attemptAt(1)).isEqualTo(Long.MIN_VALUE);
        assertThat(c.expireAt(1)).isEqualTo(t - 1);
        // every setter asks for the timer to be re-armed
        assertThat(c.takeRearm(1)).isTrue();
        assertThat(c.takeRearm(1)).isFalse();
        c.attemptAt(1, 0);
        assertThat(c.takeRearm(1)).isTrue();
        assertThat(c.attemptAt(1)).isZero();
        assertThat(c.expireAt(1)).isEqualTo(t - 1);
        // a slot that left with a mapped attempt deadline comes back clean, also as a UDP flow
        c.attemptAt(1, 42);
        c.release(1);
        c.init(1, 0, 1, 0, false);
        assertThat(c.attemptAt(1)).isZero();
        assertThat(c.expireAt(1)).isZero();
        c.init(1, 0, 2, 0, true);
        assertThat(c.attemptAt(1)).isZero();
        assertThat(c.expireAt(1)).isZero();
        c.init(2, 0, 3, 0, false);
        c.addPayload(4, 77);
        assertThat(c.attemptAt(2)).isZero();
        assertThat(c.payloadBytes(4)).isEqualTo(77);
    }

    @Test
    void derivesTheRstPositionFromTheLastSequenceUntilEitherNumberMoves() {
        Connections c = connections(2);
        c.init(0, 0, 0, 0, true);
        int e = c.tcpEndpoint(0, 1);
        int p = c.tcpEndpoint(0, 0);
        assertThat(c.histLastRst(e)).isZero();
        c.startSeq(e, 0xFFFF_FFF0);
        c.lastSeq(e, 0x20); // past the 32-bit wrap: the position is the 32-bit difference
        c.histLastRst(e, 0x30);
        assertThat(c.histLastRst(e)).isEqualTo(0x30);
        c.lastSeq(e, 0x20); // unchanged: still derived
        c.lastSeq(e, 0x21);
        assertThat(c.histLastRst(e)).isEqualTo(0x30);
        c.histLastRst(e, 0x31); // at the last sequence again
        c.startSeq(e, 5);
        assertThat(c.histLastRst(e)).isEqualTo(0x31);
        c.histLastRst(e, -7); // a RST below the last sequence is stored
        c.lastSeq(e, 100);
        assertThat(c.histLastRst(e)).isEqualTo(-7);
        c.histLastRst(e, 95); // at last - start: derived, the stored value goes
        assertThat(c.histLastRst(e)).isEqualTo(95);
        c.histLastRst(e, 0);
        c.lastSeq(e, 500);
        assertThat(c.histLastRst(e)).isZero();
        // derived at zero distance: moving the last sequence keeps 0 without storing it
        c.startSeq(e, 500);
        c.histLastRst(e, 0);
        c.lastSeq(e, 501);
        assertThat(c.histLastRst(e)).isZero();
        // the other side keeps its own
        assertThat(c.histLastRst(p)).isZero();
        c.lastSeq(p, 9);
        c.histLastRst(p, 9);
        c.ackSeq(p, 12345); // the acknowledged number does not matter
        assertThat(c.histLastRst(p)).isEqualTo(9);
        c.histLastRst(e, 77);
        c.release(0);
        c.init(1, 0, 1, 0, true);
        assertThat(c.histLastRst(c.tcpEndpoint(1, 1))).isZero();
        assertThat(c.histLastRst(c.tcpEndpoint(1, 0))).isZero();
    }

    @Test
    void derivesTheFinSequenceFromTheLastSequenceUntilItOrTheWrapCountMoves() {
        Connections c = connections(2);
        c.init(0, 0, 0, 0, true);
        int e = c.tcpEndpoint(0, 0);
        c.startSeq(e, 1000);
        c.lastSeq(e, 1501);
        assertThat(c.finSeq(e)).isZero();
        c.finSeq(e, 501, true); // at the last sequence number: derived
        assertThat(c.finSeq(e)).isEqualTo(501);
        c.lastSeq(e, 1501);
        c.ackSeq(e, 9);
        assertThat(c.finSeq(e)).isEqualTo(501);
        c.lastSeq(e, 1600); // data past the FIN: the FIN sequence stays where it was
        assertThat(c.finSeq(e)).isEqualTo(501);
        c.finSeq(e, 601, true); // one past the last: stored
        assertThat(c.finSeq(e)).isEqualTo(601);
        c.finSeq(e, 599, true); // one short: stored
        assertThat(c.finSeq(e)).isEqualTo(599);
        c.finSeq(e, 600, true);
        c.startSeq(e, 1100);
        assertThat(c.finSeq(e)).isEqualTo(600);
        // past the 32-bit wrap: derived from the wrap count too, kept when the count moves
        c.startSeq(e, 0xF000_0000);
        c.lastSeq(e, 0x7000_0000);
        c.incSeqWraps(e);
        long rel = GIB4 + 0x7000_0000L - 0xF000_0000L;
        c.finSeq(e, rel, false);
        assertThat(c.finSeq(e)).isEqualTo(rel);
        c.incSeqWraps(e);
        assertThat(c.finSeq(e)).isEqualTo(rel);
        c.finSeq(e, rel + GIB4, false);
        assertThat(c.finSeq(e)).isEqualTo(rel + GIB4);
        // a negative relative number (below the start, no wrap yet) is derived like the rest
        int f = c.tcpEndpoint(0, 1);
        c.startSeq(f, 50);
        c.lastSeq(f, 40);
        c.finSeq(f, -10, true);
        assertThat(c.finSeq(f)).isEqualTo(-10);
        c.lastSeq(f, 41);
        assertThat(c.finSeq(f)).isEqualTo(-10);
        c.release(0);
        c.init(1, 0, 1, 0, true);
        assertThat(c.finSeq(c.tcpEndpoint(1, 0))).isZero();
        assertThat(c.finSeq(c.tcpEndpoint(1, 1))).isZero();
    }

    @Test
    void reusesFreedTcpRowsWithCleanState() {
        Connections c = connections(4);
        c.init(0, 0, 0, 0, true);
        int e = c.tcpEndpoint(0, 0);
        c.changeState(e, Connections.ESTABLISHED);
        c.histLastRst(e, -9);
        c.incSeqWraps(e);
        c.incAckWraps(e);
        c.histLastSyn(e, 77);
        c.openTcpRow(e >> 1);
        c.lastReassem(e, GIB4 * 3);
        c.closeTcpRow();
        c.finOnlyAt(e);
        c.finSeq(e, 10, true);
        c.epSet(e, Connections.E_SKIP);
        c.attemptAt(0, 99);
        c.release(0);
        c.init(2, 0, 1, 0, false);
        assertThat(c.attemptAt(2)).isZero();
        c.init(3, 0, 2, 0, true);
        int f = c.tcpEndpoint(3, 0);
        assertThat(f).isEqualTo(e);
        assertThat(c.state(f)).isEqualTo(Connections.INACTIVE);
        assertThat(c.prevState(f)).isEqualTo(Connections.INACTIVE);
        assertThat(c.histLastRst(f)).isZero();
        assertThat(c.seqWraps(f)).isZero();
        assertThat(c.ackWraps(f)).isZero();
        assertThat(c.histLastSyn(f)).isZero();
        assertThat(c.histLastFin(f)).isZero();
        c.openTcpRow(f >> 1);
        assertThat(c.lastReassem(f)).isEqualTo(1);
        c.closeTcpRow();
        assertThat(c.widePoints()).isZero();
        assertThat(c.epHas(f, Connections.E_SKIP)).isFalse();
        assertThat(c.attemptAt(3)).isZero();
    }

    @Test
    void returnsTheLastPacketTimeExactlyInEveryRange() {
        Connections c = connections(2);
        long start = 1_700_000_000_123_456_789L;
        c.init(0, start, 0, 0, false);
        assertThat(c.last(0)).isEqualTo(start);
        long[] times = {start + 4_294_967_295L, start + 4_294_967_296L, start + 5_000_000_000L,
            start + 4_294_967_295_000L, start + 4_294_967_296_000L, start + 7_000_000_001L, start - 1,
            start + 3, Long.MAX_VALUE, Long.MIN_VALUE, start + 86_400_000_000_000L, start + 10};
        for (long t : times) {
            c.last(0, t);
            assertThat(c.last(0)).as("last after %d", t).isEqualTo(t);
        }
        c.release(0);
        c.init(0, Long.MIN_VALUE, 0, 0, false);
        c.last(0, Long.MAX_VALUE);
        assertThat(c.last(0)).isEqualTo(Long.MAX_VALUE);
        c.init(0, 5, 0, 0, false);
        c.last(0, 6_000_000);
        assertThat(c.last(0)).isEqualTo(6_000_000);
    }

    @Test
    void keepsUidNumbersOfConnectionsMoreThanTwoToThe32Older() {
        long step = 1L << 29;
        Packets p = new Packets(FlowTracker.builder(), (1L << 31) - 3, step);
        Uids uids = new Uids(42);
        // a long-lived flow, then 40 short ones whose numbers move 20 * 2^30 past it
        p.udp(0, "10.0.0.1", 5000, "10.0.0.2", 53, 10);
        for (int i = 0; i < 40; i++) {
            p.udp(1 + i, "10.0.1." + i, 6000, "10.0.0.2", 53, 10);
            p.udp(1 + i, "10.0.0.1", 5000, "10.0.0.2", 53, 10);
        }
        p.flush();
        assertThat(p.records).hasSize(41);
        java.util.Set<String> want = new java.util.HashSet<>();
        for (int i = 0; i <= 40; i++) {
            want.add(uids.uid((1L << 31) - 3 + i * step));
        }
        assertThat(p.records.stream().map(Connection::uid).collect(Collectors.toSet())).isEqualTo(want);
        Connection first = p.records.stream().filter(r -> r.origPort() == 5000).findFirst().orElseThrow();
        assertThat(first.uid()).isEqualTo(uids.uid((1L << 31) - 3));
        assertThat(first.origPackets()).isEqualTo(41);
    }

    @Test
    void sizesATcpTransferPastFourGibExactly() {
        Packets p = new Packets();
        long isn = 0xFFFF_0000L;
        long risn = 0x7000_0000L;
        p.tcp(0, "10.0.0.1", 40000, "10.0.0.2", 80, "S", isn, 0, 0);
        p.tcp(0.001, "10.0.0.2", 80, "10.0.0.1", 40000, "SA", risn, isn + 1, 0);
        p.tcp(0.002, "10.0.0.1", 40000, "10.0.0.2", 80, "A", isn + 1, risn + 1, 0);
        int len = 65_000;
        long segments = (GIB4 + 3 * 65_000) / len + 1;
        long seq = isn + 1;
        double t = 0.003;
        for (long i = 0; i < segments; i++) {
            p.tcp(t, "10.0.0.1", 40000, "10.0.0.2", 80, "A", seq, risn + 1, len);
            seq += len;
            p.tcp(t, "10.0.0.2", 80, "10.0.0.1", 40000, "A", risn + 1, seq, 0);
            t += 0.0001;
        }
        p.tcp(t, "10.0.0.1", 40000, "10.0.0.2", 80, "FA", seq, risn + 1, 0);
        p.tcp(t + 0.001, "10.0.0.2", 80, "10.0.0.1", 40000, "FA", risn + 1, seq + 1, 0);
        p.tcp(t + 0.002, "10.0.0.1", 40000, "10.0.0.2", 80, "A", seq + 1, risn + 2, 0);
        p.flush();
        assertThat(p.records).hasSize(1);
        Connection c = p.records.get(0);
        assertThat(c.origBytes()).isEqualTo(segments * len);
        assertThat(c.respBytes()).isZero();
        assertThat(c.missedBytes()).isZero();
        assertThat(c.state()).isEqualTo(ConnState.SF);
        assertThat(c.history()).isEqualTo("ShADaFf");
        assertThat(c.origIpBytes()).isEqualTo(segments * (40 + len) + 4 * 40);
    }
}
