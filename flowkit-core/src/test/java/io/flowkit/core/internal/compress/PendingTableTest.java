package io.flowkit.core.internal.compress;

import static org.assertj.core.api.Assertions.assertThat;

import io.flowkit.Compressor;
import io.flowkit.core.internal.decode.PacketView;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The pending table against a reference model (an insertion-ordered map from key to the packet
 * fields the engine reads): random inserts, lookups from both directions, promotions from the
 * middle, expiry and eviction from the stale end, over IPv4 and IPv6 keys, with bounds small
 * enough that the ring grows, wraps, fills with holes and compacts many times.
 */
class PendingTableTest {
    private static final long DELAY = 5_000_000_000L;

    /** What the engine reads of a stored packet, as the replayed view gives it. */
    private record Fields(long time, long srcHi, long srcLo, long dstHi, long dstLo, int srcPort, int dstPort,
                          int flags, long seq, long ack, boolean windowZero, int ipLength, int payloadLength,
                          int payloadCaptured, long uid) {
        static Fields of(PacketView v, long uid, boolean keepAck) {
            int captured = v.payloadCaptured >= v.payloadLength ? v.payloadLength : 0;
            return new Fields(v.timestampNanos, v.srcHi, v.srcLo, v.dstHi, v.dstLo, v.srcPort, v.dstPort,
                    v.tcpFlags & 0x17, v.seq, keepAck ? v.ack : 0, v.window == 0, v.ipLength, v.payloadLength,
                    captured, uid);
        }
    }

    private static String key(long aHi, long aLo, int aPort, long bHi, long bLo, int bPort) {
        String x = aHi + ":" + aLo + ":" + aPort;
        String y = bHi + ":" + bLo + ":" + bPort;
        return x.compareTo(y) < 0 ? x + "|" + y : y + "|" + x;
    }

    private static String key(PacketView v) {
        return key(v.srcHi, v.srcLo, v.srcPort, v.dstHi, v.dstLo, v.dstPort);
    }

    private static void randomPacket(SplittableRandom rnd, PacketView v, long t, boolean onlySyns) {
        v.clear();
        v.timestampNanos = t;
        v.ipProto = 6;
        boolean six = rnd.nextInt(4) == 0;
        v.ipVersion = six ? 6 : 4;
        if (six) {
            v.srcHi = 0x2001_0db8_0000_0000L | rnd.nextInt(4);
            v.srcLo = rnd.nextInt(8);
            v.dstHi = 0x2001_0db8_0000_0000L | rnd.nextInt(4);
            v.dstLo = rnd.nextInt(8);
        } else {
            v.srcLo = PacketView.IPV4_MAPPED_PREFIX | (0xC0A8_0000L + rnd.nextInt(16)) | (rnd.nextBoolean() ? 0x8000_0000L : 0);
            v.dstLo = PacketView.IPV4_MAPPED_PREFIX | (0x0A00_0000L + rnd.nextInt(16));
        }
        v.srcPort = rnd.nextInt(6) == 0 ? 0xFFFF : 1000 + rnd.nextInt(40);
        v.dstPort = rnd.nextInt(3) == 0 ? 80 : rnd.nextInt(65536);
        v.tcpFlags = onlySyns ? 0x02 | (rnd.nextInt(256) & ~0x16) : rnd.nextInt(512) & ~0x04;
        v.seq = rnd.nextLong() & 0xFFFF_FFFFL;
        v.ack = rnd.nextLong() & 0xFFFF_FFFFL;
        v.window = rnd.nextInt(3) == 0 ? 0 : rnd.nextInt(65536);
        v.payloadLength = rnd.nextInt(3) == 0 ? rnd.nextInt(1400) : 0;
        v.ipLength = v.payloadLength + (six ? 60 : 40) + 4 * rnd.nextInt(11);
        v.payloadCaptured = rnd.nextBoolean() ? v.payloadLength : rnd.nextInt(v.payloadLength + 1);
    }

    @Test
    void matchesAnInsertionOrderedModelThroughGrowthWrapHolesAndCompaction() {
        for (int seed = 0; seed < 4; seed++) {
            for (int bound : new int[] {1, 3, 17, 100, 5000}) {
                run(new SplittableRandom(seed * 31L + bound), bound, seed % 2 == 0);
            }
        }
    }

    private static void run(SplittableRandom rnd, int bound, boolean onlySyns) {
        Compressor settings = Compressor.builder().handleOnlySyns(onlySyns).maxPendingConnections(bound).build();
        PendingTable table = new PendingTable(settings, DELAY);
        Map<String, Fields> model = new LinkedHashMap<>();
        PacketView v = new PacketView();
        PacketView out = new PacketView();
        long t = 1_700_000_000_000_000_000L;
        long uid = 0;
        List<long[]> recent = new ArrayList<>();
        for (int step = 0; step < 10_000; step++) {
            t += rnd.nextInt(3) == 0 ? 0 : rnd.nextInt(2_000_000);
            randomPacket(rnd, v, t, onlySyns);
            if (!recent.isEmpty() && rnd.nextBoolean()) {
                // a packet of a recent connection, in either direction
                long[] e = recent.get(rnd.nextInt(recent.size()));
                boolean back = rnd.nextBoolean();
                v.srcHi = e[back ? 3 : 0];
                v.srcLo = e[back ? 4 : 1];
                v.srcPort = (int) e[back ? 5 : 2];
                v.dstHi = e[back ? 0 : 3];
                v.dstLo = e[back ? 1 : 4];
                v.dstPort = (int) e[back ? 2 : 5];
            } else {
                if (recent.size() == 2 * bound + 8) {
                    recent.remove(rnd.nextInt(recent.size()));
                }
                recent.add(new long[] {v.srcHi, v.srcLo, v.srcPort, v.dstHi, v.dstLo, v.dstPort});
            }
            int op = rnd.nextInt(10);
            String k = key(v);
            int p = table.find(v);
            assertThat(p >= 0).as("found %s", k).isEqualTo(model.containsKey(k));
            if (p >= 0 && op < 5) {
                // a second packet of the connection (either direction): the engine takes the entry
                Fields expected = model.remove(k);
                long u = table.take(p, out);
                assertThat(Fields.of(out, u, !onlySyns)).isEqualTo(expected);
            } else if (p < 0 && table.accepts(v)) {
                if (table.isAtBound()) {
                    assertThat(model).hasSize(bound);
                    int s = table.evictionCandidate();
                    Map.Entry<String, Fields> oldest = model.entrySet().iterator().next();
                    model.remove(oldest.getKey());
                    long u = table.take(s, out);
                    assertThat(Fields.of(out, u, !onlySyns)).isEqualTo(oldest.getValue());
                }
                table.insert(v, uid);
                model.put(k, Fields.of(v, uid, !onlySyns));
                uid++;
            }
            if (op == 9) {
                long now = t - DELAY + rnd.nextInt(1_000_000_000);
                List<Long> expired = new ArrayList<>();
                table.advance(now, (s, due, at) -> {
                    long u = table.take(s, out);
                    expired.add(u);
                    Map.Entry<String, Fields> oldest = model.entrySet().iterator().next();
                    assertThat(u).isEqualTo(oldest.getValue().uid());
                    assertThat(due).isEqualTo(oldest.getValue().time() + DELAY).isLessThanOrEqualTo(at);
                    model.remove(oldest.getKey());
                });
                for (Fields f : model.values()) {
                    assertThat(f.time() + DELAY).as("left pending although due").isGreaterThan(now);
                    break;
                }
            }
            assertThat(table.size()).isEqualTo(model.size()).isLessThanOrEqualTo(bound);
        }
        int[] slots = table.slotsByUid();
        long[] uids = new long[slots.length];
        int i = 0;
        for (Fields f : model.values()) {
            uids[i++] = f.uid();
        }
        long[] taken = new long[slots.length];
        for (int j = 0; j < slots.length; j++) {
            taken[j] = table.take(slots[j], out);
        }
        assertThat(taken).containsExactly(uids);
        assertThat(table.size()).isZero();
        assertThat(Arrays.stream(taken).sorted().toArray()).containsExactly(taken);
    }

    @Test
    void refusesWhatItsLayoutCannotHoldSoThoseGoToTheFullTable() {
        PendingTable table = new PendingTable(Compressor.defaults(), DELAY);
        PacketView v = new PacketView();
        randomPacket(new SplittableRandom(1), v, 1, true);
        v.payloadLength = 0;
        v.ipLength = 40;
        assertThat(table.accepts(v)).isTrue();
        v.ipLength = 40 + 256; // 296 bytes of headers (IPv6 extension headers)
        assertThat(table.accepts(v)).isFalse();
        v.ipLength = 0x1_0010;
        v.payloadLength = 0x1_0000;
        assertThat(table.accepts(v)).isFalse();
    }
}
