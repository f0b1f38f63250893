package io.flowkit.core.internal.scan;

import static io.flowkit.core.internal.scan.Conns.ip;
import static org.assertj.core.api.Assertions.assertThat;

import io.flowkit.ConnState;
import io.flowkit.Connection;
import io.flowkit.Protocol;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class OutcomeTest {

    private static Connection tcp(ConnState state, String history, long origPkts, long respPkts, long origBytes) {
        return new Connection("C1", 0, ip("10.0.0.1"), 40000, ip("10.0.0.2"), 22, Protocol.TCP, 6, null, 0, origBytes,
                0, state, true, true, 0, history, origPkts, 40 * origPkts, respPkts, 40 * respPkts, java.util.List.of(),
                io.flowkit.CloseReason.CLOSED);
    }

    @ParameterizedTest(name = "{0} {1} -> {5}")
    @CsvSource({
        // unanswered, rejected, abandoned attempts fail
        "S0, S, 1, 0, 0, FAILED",
        "REJ, Sr, 1, 1, 0, FAILED",
        "RSTOS0, SR, 2, 0, 0, FAILED",
        "SH, SF, 2, 0, 0, FAILED",
        "RSTRH, Ahr, 1, 2, 0, FAILED",
        // an answered SYN succeeds, whatever happens next (nmap's half-open probe included)
        "SF, ShADadFf, 5, 4, 10, SUCCESS",
        "RSTO, ShR, 2, 1, 0, SUCCESS",
        "S1, ShA, 2, 1, 0, SUCCESS",
        // FIN, NULL, Xmas probes: nothing or only resets back
        "OTH, F, 1, 0, 0, FAILED",
        "OTH, Fr, 1, 1, 0, FAILED",
        "OTH, '', 1, 0, 0, FAILED",
        "RSTR, Fr, 1, 1, 0, FAILED",
        "RSTR, Ar, 1, 1, 0, FAILED",
        // mid-stream pickups and replies are not attempts
        "OTH, DdA, 3, 3, 100, NONE",
        "OTH, ^dA, 2, 1, 0, NONE",
        "SF, DadFf, 3, 3, 10, NONE",
        "RSTR, ADdr, 3, 3, 10, NONE",
        "SHR, hf, 0, 2, 0, NONE",
        "RSTRH, hr, 0, 2, 0, NONE",
    })
    void judgesTcpRecordsFromTheOriginatorsSide(ConnState state, String history, long origPkts, long respPkts,
            long origBytes, String expected) {
        int outcome = Outcome.of(tcp(state, history, origPkts, respPkts, origBytes));
        assertThat(outcome).isEqualTo(expected.equals("FAILED") ? Outcome.FAILED
                : expected.equals("SUCCESS") ? Outcome.SUCCESS : Outcome.NONE);
    }

    @ParameterizedTest(name = "icmp type {0} over ip proto {1} answered={2} -> {3}")
    @CsvSource({
        "8, 1, false, FAILED",
        "8, 1, true, SUCCESS",
        "13, 1, false, FAILED",
        "0, 1, false, NONE",
        "3, 1, false, NONE",
        "11, 1, false, NONE",
        "128, 58, false, FAILED",
        "129, 58, false, NONE",
        "1, 58, false, NONE",
    })
    void countsOnlyIcmpRequests(int type, int ipProto, boolean answered, String expected) {
        Connection c = new Connection("C1", 0, ip("10.0.0.1"), type, ip("10.0.0.2"), 0, Protocol.ICMP, ipProto, null, 0,
                0, 0, ConnState.OTH, true, true, 0, "", 1, 28, answered ? 1 : 0, answered ? 28 : 0, java.util.List.of(),
                io.flowkit.CloseReason.CLOSED);
        assertThat(Outcome.of(c)).isEqualTo(expected.equals("FAILED") ? Outcome.FAILED
                : expected.equals("SUCCESS") ? Outcome.SUCCESS : Outcome.NONE);
    }

    @ParameterizedTest(name = "udp answered={0} -> {1}")
    @CsvSource({"false, FAILED", "true, SUCCESS"})
    void judgesUdpByWhetherTheResponderSentAnything(boolean answered, String expected) {
        Connection c = Conns.udp(0, ip("10.0.0.1"), 5000, ip("10.0.0.2"), 53, answered);
        assertThat(Outcome.of(c)).isEqualTo(expected.equals("FAILED") ? Outcome.FAILED : Outcome.SUCCESS);
    }
}
