package io.flowkit.core.internal.scan;

import io.flowkit.CloseReason;
import io.flowkit.ConnState;
import io.flowkit.Connection;
import io.flowkit.Protocol;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;

/** Builds connection records the way the engine reports attempts' outcomes. */
final class Conns {
    private static long uidCounter;

    private Conns() {
    }

    static InetAddress ip(String s) {
        try {
            return InetAddress.getByName(s);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(s, e);
        }
    }

    /** 10.a.b.c for an index, so tests can make many distinct hosts. */
    static InetAddress v4(int index) {
        try {
            return InetAddress.getByAddress(new byte[] {10, (byte) (index >>> 16), (byte) (index >>> 8), (byte) index});
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    static String uid() {
        return "C" + Long.toString(++uidCounter, 36);
    }

    static Connection record(long startNanos, InetAddress orig, int origPort, InetAddress resp, int respPort,
            Protocol proto, ConnState state, String history, long origPkts, long respPkts) {
        int ipProto = proto == Protocol.TCP ? 6 : proto == Protocol.UDP ? 17 : 1;
        return new Connection(uid(), startNanos, orig, origPort, resp, respPort, proto, ipProto, null,
                respPkts > 0 ? 1_000_000 : 0, 0, 0, state, true, true, 0, history, origPkts, origPkts * 40,
                respPkts, respPkts * 40, List.of(), CloseReason.INACTIVITY_TIMEOUT);
    }

    /** An unanswered SYN (S0) or an answered, established TCP connection (SF). */
    static Connection tcp(long startNanos, InetAddress orig, InetAddress resp, int respPort, boolean failed) {
        return failed
                ? record(startNanos, orig, 40000, resp, respPort, Protocol.TCP, ConnState.S0, "S", 1, 0)
                : record(startNanos, orig, 40000, resp, respPort, Protocol.TCP, ConnState.SF, "ShADadFf", 5, 4);
    }

    static Connection rej(long startNanos, InetAddress orig, InetAddress resp, int respPort) {
        return record(startNanos, orig, 40001, resp, respPort, Protocol.TCP, ConnState.REJ, "Sr", 1, 1);
    }

    static Connection udp(long startNanos, InetAddress orig, int origPort, InetAddress resp, int respPort, boolean answered) {
        return record(startNanos, orig, origPort, resp, respPort, Protocol.UDP, answered ? ConnState.SF : ConnState.S0,
                answered ? "Dd" : "D", 1, answered ? 1 : 0);
    }

    static Connection echo(long startNanos, InetAddress orig, InetAddress resp, boolean answered) {
        return record(startNanos, orig, 8, resp, 0, Protocol.ICMP, ConnState.OTH, "", 1, answered ? 1 : 0);
    }
}
