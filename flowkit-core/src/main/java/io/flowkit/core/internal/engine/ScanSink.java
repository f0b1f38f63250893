package io.flowkit.core.internal.engine;

import io.flowkit.Connection;
import io.flowkit.Protocol;
import io.flowkit.core.internal.bound.BoundGauge;
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
        if (quotesTransport(v)) {
            detector.onUnreachable(v.timestampNanos, v.innerSrcHi, v.innerSrcLo, v.innerDstHi, v.innerDstLo,
                    v.innerDstPort, v.innerProto == 6 ? Protocol.TCP : Protocol.UDP);
        }
    }

    /**
     * Tells whether scan detection takes this unreachable: it quotes a TCP or UDP packet with its
     * ports.
     *
     * @param v an ICMP unreachable
     * @return {@code true} to pass it on
     */
    static boolean quotesTransport(PacketView v) {
        return (v.innerProto == 6 || v.innerProto == 17) && v.innerDstPort >= 0;
    }

    @Override
    public void endOfInput() {
        detector.endOfInput();
    }

    @Override
    public long listenerFailures() {
        return detector.listenerFailures();
    }

    @Override
    public BoundGauge boundGauge() {
        return detector.gauge();
    }
}
