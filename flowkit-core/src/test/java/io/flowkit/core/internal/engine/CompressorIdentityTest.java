package io.flowkit.core.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.flowkit.Compressor;
import io.flowkit.Connection;
import io.flowkit.FlowTracker;
import io.flowkit.core.internal.decode.PacketView;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Random TCP traffic through an uncompressed and a compressed engine must give equal records.
 * The first packets carry every flag combination, zero and non-zero windows, payloads captured
 * in full or cut, IPv4 and IPv6 keys; a small host pool makes connections collide and get
 * answered, reset and reused, and a small pending bound makes the pending ring wrap, fill with
 * the holes promotions leave and compact many times. This is the proof that what the pending
 * table drops of a first packet (the window's value, the ACK number of a packet without ACK,
 * flags other than FIN, SYN, RST, ACK) is nothing the engine reads.
 */
class CompressorIdentityTest {

    /**
     * Records are compared as a multiset: when several connections come due within one advance of
     * network time, pending entries leave before full ones (as they always have), so only the
     * order among those may differ from the uncompressed run.
     */
    @Test
    void compressedRecordsEqualUncompressedOnesForRandomTraffic() {
        for (int seed = 0; seed < 6; seed++) {
            boolean onlySyns = seed % 2 == 0;
            Compressor settings = Compressor.builder().handleOnlySyns(onlySyns).handleResets(seed % 3 == 0)
                    .maxPendingConnections(400).build();
            List<Connection> plain = run(new SplittableRandom(seed), null, new Engine[1]);
            Engine[] compressedEngine = new Engine[1];
            List<Connection> compressed = run(new SplittableRandom(seed), settings, compressedEngine);
            assertThat(compressedEngine[0].pendingEvictions()).as("no pending entry evicted").isZero();
            assertThat(compressedEngine[0].promotions()).as("promotions").isGreaterThan(100);
            assertThat(compressedEngine[0].pendingExpiries()).as("expiries").isGreaterThan(100);
            assertThat(byUid(compressed)).as("seed %d", seed).isEqualTo(byUid(plain));
        }
    }

    private static Map<String, Connection> byUid(List<Connection> records) {
        Map<String, Connection> m = new HashMap<>();
        for (Connection c : records) {
            assertThat(m.put(c.uid(), c)).as("uid %s twice", c.uid()).isNull();
        }
        return m;
    }

    private static List<Connection> run(SplittableRandom rnd, Compressor settings, Engine[] engineOut) {
        List<Connection> records = new ArrayList<>();
        ConnectionSink sink = new ConnectionSink() {
            @Override
            public void connectionRemoved(Connection c) {
                records.add(c);
            }

            @Override
            public void icmpUnreachable(PacketView view) {
            }
        };
        FlowTracker.Builder b = FlowTracker.builder();
        if (settings != null) {
            b.compressor(settings);
        }
        Engine engine = new Engine(b.config(), sink, 7);
        engineOut[0] = engine;
        PacketView v = new PacketView();
        long t = 1_700_000_000_000_000_000L;
        for (int i = 0; i < 30_000; i++) {
            t += rnd.nextInt(4) == 0 ? 0 : rnd.nextInt(60_000_000);
            v.clear();
            v.timestampNanos = t;
            v.ipProto = 6;
            boolean six = rnd.nextInt(5) == 0;
            v.ipVersion = six ? 6 : 4;
            long client = rnd.nextInt(24);
            long server = rnd.nextInt(4);
            int cport = 40000 + rnd.nextInt(60);
            int sport = rnd.nextInt(4) == 0 ? 22 : 80;
            boolean fromClient = rnd.nextInt(3) != 0;
            long cHi = six ? 0x2001_0db8_0000_0001L : 0;
            long cLo = six ? client : PacketView.IPV4_MAPPED_PREFIX | (0x0A00_0100L + client);
            long sHi = six ? 0x2001_0db8_0000_0002L : 0;
            long sLo = six ? server : PacketView.IPV4_MAPPED_PREFIX | (0x0A00_0200L + server);
            v.srcHi = fromClient ? cHi : sHi;
            v.srcLo = fromClient ? cLo : sLo;
            v.dstHi = fromClient ? sHi : cHi;
            v.dstLo = fromClient ? sLo : cLo;
            v.srcPort = fromClient ? cport : sport;
            v.dstPort = fromClient ? sport : cport;
            int r = rnd.nextInt(10);
            v.tcpFlags = r < 5 ? 0x02 | (rnd.nextInt(512) & 0x1E8) // SYN with any of PSH, URG, ECE, CWR, NS
                    : r < 7 ? 0x12 : rnd.nextInt(512);
            v.seq = rnd.nextInt(8) == 0 ? 0xFFFF_FFF0L + rnd.nextInt(16) : 1000 * rnd.nextInt(50);
            v.ack = rnd.nextLong() & 0xFFFF_FFFFL;
            v.window = rnd.nextInt(4) == 0 ? 0 : 1 + rnd.nextInt(65535);
            v.payloadLength = rnd.nextInt(3) == 0 ? rnd.nextInt(300) : 0;
            v.payloadCaptured = rnd.nextInt(4) == 0 ? rnd.nextInt(v.payloadLength + 1) : v.payloadLength;
            v.ipLength = v.payloadLength + (six ? 60 : 40) + 4 * rnd.nextInt(3);
            engine.advance(t);
            engine.process(v);
        }
        engine.flush();
        return records;
    }
}
