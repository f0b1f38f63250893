package io.flowkit.core.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.flowkit.Connection;
import io.flowkit.FlowTracker;
import io.flowkit.core.internal.decode.PacketView;
import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Feeds the engine random packets over a small pool of hosts and ports (so connections collide,
 * flip, reset, reuse and expire constantly) with hostile field values: any flags, sequence
 * numbers near the wrap, zero and huge lengths, bad checksums, truncated headers, time jumps
 * and time going backwards. Checks the invariants: nothing throws, the table never exceeds its
 * bound, every connection created leaves exactly once with a unique uid, and every record is a
 * valid {@link Connection} (its constructor rejects negative counts and durations).
 */
class EngineFuzzTest {

    @Test
    void keepsInvariantsUnderRandomHostilePackets() {
        for (int seed = 0; seed < 4; seed++) {
            run(new SplittableRandom(seed));
        }
    }

    private static void run(SplittableRandom rnd) {
        Set<String> uids = new HashSet<>();
        int[] records = new int[1];
        ConnectionSink sink = new ConnectionSink() {
            @Override
            public void connectionRemoved(Connection c) {
                records[0]++;
                assertThat(uids.add(c.uid())).as("uid %s delivered twice", c.uid()).isTrue();
            }

            @Override
            public void icmpUnreachable(PacketView view) {
            }
        };
        int max = 64;
        Engine engine = new Engine(FlowTracker.builder().maxConnections(max).config(), sink, rnd.nextLong());
        PacketView v = new PacketView();
        long t = 1_700_000_000_000_000_000L;
        int[] protos = {6, 6, 6, 6, 17, 17, 1, 58, 89};
        for (int i = 0; i < 200_000; i++) {
            switch (rnd.nextInt(20)) {
                case 0:
                    t += rnd.nextLong(400_000_000_000L); // jump up to 400 s
                    break;
                case 1:
                    t -= rnd.nextLong(1_000_000_000L); // go back up to 1 s
                    break;
                default:
                    t += rnd.nextLong(50_000_000L);
                    break;
            }
            v.clear();
            v.timestampNanos = t;
            v.ipVersion = 4;
            v.ipProto = protos[rnd.nextInt(protos.length)];
            v.srcLo = PacketView.IPV4_MAPPED_PREFIX | (0x0A000000L + rnd.nextInt(6));
            v.dstLo = PacketView.IPV4_MAPPED_PREFIX | (0x0A000000L + rnd.nextInt(6));
            v.srcPort = rnd.nextBoolean() ? 80 : 1024 + rnd.nextInt(3);
            v.dstPort = rnd.nextBoolean() ? 80 : 1024 + rnd.nextInt(3);
            v.ipLength = rnd.nextInt(65536);
            if (v.ipProto == 1 || v.ipProto == 58) {
                v.icmpType = rnd.nextInt(256);
                v.icmpCode = rnd.nextInt(256);
                v.srcPort = 0;
                v.dstPort = 0;
            }
            v.tcpFlags = rnd.nextInt(256);
            v.seq = rnd.nextBoolean() ? rnd.nextLong(1L << 32) : 0xFFFF_FF00L + rnd.nextInt(0x200) & 0xFFFF_FFFFL;
            v.ack = rnd.nextBoolean() ? rnd.nextLong(1L << 32) : v.seq + rnd.nextInt(3000) & 0xFFFF_FFFFL;
            v.window = rnd.nextInt(3);
            v.payloadLength = rnd.nextInt(4) == 0 ? 0 : rnd.nextInt(70_000);
            v.payloadCaptured = rnd.nextBoolean() ? v.payloadLength : rnd.nextInt(v.payloadLength + 1);
            v.badChecksum = rnd.nextInt(30) == 0;
            v.transportTruncated = rnd.nextInt(40) == 0;
            engine.advance(t);
            engine.process(v);
            assertThat(engine.active()).isLessThanOrEqualTo(max);
        }
        engine.flush();
        assertThat(engine.active()).isZero();
        assertThat(records[0]).isEqualTo(engine.created());
        assertThat(engine.closed()).isEqualTo(engine.created());
    }
}
