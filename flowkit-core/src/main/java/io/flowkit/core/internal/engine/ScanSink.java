package io.flowkit.core.internal.engine;

import io.flowkit.Connection;
import io.flowkit.Protocol;
import io.flowkit.core.internal.decode.PacketView;
import io.flowkit.core.internal.scan.ScanDetector;

/**
 * Feeds the engine's records and ICMP unreachables to scan detection. An unreachable is passed
 * on when it quotes a TCP or UDP packet with its ports; one quoting an ICMP request is left to
 * that request's own record, which arrives unanswered.
 */
final class ScanSink implements ConnectionSink {
    private final ScanDetector detector;

    ScanSink(ScanDetector detector) {
        this.detector = detector;
    }

    @Override
    public void connectionRemoved(Connection connection) {
        detector.onConnection(connection);
    }

    @Override
    public void icmpUnreachable(PacketView v) {
        Protocol proto = v.innerProto == 6 ? Protocol.TCP : v.innerProto == 17 ? Protocol.UDP : null;
        if (proto == null || v.innerDstPort < 0) {
            return;
        }
        detector.onUnreachable(v.timestampNanos, v.innerSrcHi, v.innerSrcLo, v.innerDstHi, v.innerDstLo,
                v.innerDstPort, proto);
    }

    @Override
    public void endOfInput() {
        detector.endOfInput();
    }

    @Override
    public long listenerFailures() {
        return detector.listenerFailures();
    }
}
