package io.flowkit.core.internal.table;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class ConnectionTableTest {
    private static final long V4 = 0xFFFF_0000_0000L;

    @Test
    void findsBothDirectionsOfOneConnectionInOneSlot() {
        ConnectionTable t = new ConnectionTable(16, 100);
        int s = t.insert(6, 0, V4 | 0x0A000001L, 40000, 0, V4 | 0x0A000002L, 80);
        boolean firstForward = t.lastLookupForward();
        assertThat(t.find(6, 0, V4 | 0x0A000002L, 80, 0, V4 | 0x0A000001L, 40000)).isEqualTo(s);
        assertThat(t.lastLookupForward()).isNotEqualTo(firstForward);
        assertThat(t.find(6, 0, V4 | 0x0A000001L, 40000, 0, V4 | 0x0A000002L, 80)).isEqualTo(s);
        assertThat(t.lastLookupForward()).isEqualTo(firstForward);
    }

    @Test
    void probeOfAKeyHashPointsAtTheSlotFindReturnsInBothDirectionsAndChangesNothing() {
        ConnectionTable t = new ConnectionTable(16, 1 << 16);
        SplittableRandom rnd = new SplittableRandom(9);
        int n = 20_000;
        long[] a = new long[n];
        long[] b = new long[n];
        int[] slots = new int[n];
        for (int i = 0; i < n; i++) {
            a[i] = V4 | rnd.nextInt() & 0xFFFF_FFFFL;
            b[i] = i % 3 == 0 ? rnd.nextLong() : V4 | rnd.nextInt() & 0xFFFF_FFFFL; // some IPv6
            if (t.isFull()) {
                t.grow();
            }
            slots[i] = t.insert(i % 2 == 0 ? 6 : 17, 0, a[i], i & 0xFFFF, i % 3 == 0 ? 7 : 0, b[i], 443);
        }
        int missesFound = 0;
        for (int i = 0; i < n; i++) {
            int proto = i % 2 == 0 ? 6 : 17;
            long bHi = i % 3 == 0 ? 7 : 0;
            long forward = t.keyHash(proto, 0, a[i], i & 0xFFFF, bHi, b[i], 443);
            assertThat(t.keyHash(proto, bHi, b[i], 443, 0, a[i], i & 0xFFFF)).isEqualTo(forward);
            assertThat(t.probe(forward)).isEqualTo(t.find(proto, bHi, b[i], 443, 0, a[i], i & 0xFFFF))
                    .isEqualTo(slots[i]);
            // the same key on another port is absent: a probe may only meet another key's tag
            if (t.probe(t.keyHash(proto, 0, a[i], i & 0xFFFF, bHi, b[i], 444)) >= 0) {
                missesFound++;
            }
        }
        assertThat(missesFound).as("absent keys whose tag matched another entry").isLessThan(n / 100);
        assertThat(t.size()).isEqualTo(n);
        for (int i = 0; i < n; i++) {
            assertThat(t.isLive(slots[i])).isTrue();
        }
    }

    @Test
    void clearEmptiesTheTableAndLeavesItUsableAtItsCapacity() {
        ConnectionTable t = new ConnectionTable(16, 100);
        for (int i = 0; i < 16; i++) {
            t.insert(6, 0, V4 | i, 1000 + i, 0x20010DB8_00000000L, 7, 80); // IPv6 responder: side store too
        }
        t.remove(3);
        int capacity = t.capacity();
        t.clear();
        assertThat(t.size()).isZero();
        assertThat(t.capacity()).isEqualTo(capacity);
        assertThat(t.liveSlots(new int[16])).isZero();
        for (int i = 0; i < 16; i++) {
            assertThat(t.find(6, 0, V4 | i, 1000 + i, 0x20010DB8_00000000L, 7, 80)).isEqualTo(-1);
            assertThat(t.isLive(i)).isFalse();
        }
        // refilled to capacity without growing, and each key found again in its own slot
        int[] slots = new int[16];
        for (int i = 0; i < 16; i++) {
            slots[i] = t.insert(6, 0, V4 | i, 2000 + i, 0x20010DB8_00000000L, 7, 80);
        }
        assertThat(t.isFull()).isTrue();
        assertThat(slots).doesNotHaveDuplicates();
        for (int i = 0; i < 16; i++) {
            assertThat(t.find(6, 0x20010DB8_00000000L, 7, 80, 0, V4 | i, 2000 + i)).isEqualTo(slots[i]);
        }
    }

    @Test
    void keepsProtocolsAndPortsApart() {
        ConnectionTable t = new ConnectionTable(16, 100);
        int tcp = t.insert(6, 0, V4 | 1, 1000, 0, V4 | 2, 80);
        int udp = t.insert(17, 0, V4 | 1, 1000, 0, V4 | 2, 80);
        assertThat(tcp).isNotEqualTo(udp);
        assertThat(t.find(17, 0, V4 | 2, 80, 0, V4 | 1, 1000)).isEqualTo(udp);
        assertThat(t.find(6, 0, V4 | 1, 1001, 0, V4 | 2, 80)).isEqualTo(-1);
    }

    @Test
    void matchesOneWayKeysOnlyInTheirOwnDirection() {
        ConnectionTable t = new ConnectionTable(16, 100);
        int proto = 1 | ConnectionTable.ONE_WAY;
        int s = t.insert(proto, 0, V4 | 9, 3, 0, V4 | 1, 3);
        assertThat(t.find(proto, 0, V4 | 9, 3, 0, V4 | 1, 3)).isEqualTo(s);
        assertThat(t.lastLookupForward()).isTrue();
        assertThat(t.find(proto, 0, V4 | 1, 3, 0, V4 | 9, 3)).isEqualTo(-1);
    }

    @Test
    void canonicalisesLikeZeekWithLowerAddressFirst() {
        ConnectionTable t = new ConnectionTable(16, 100);
        int s = t.insert(6, 0, V4 | 0x0A000002L, 80, 0, V4 | 0x0A000001L, 40000);
        assertThat(t.lastLookupForward()).isFalse();
        assertThat(t.aLo(s)).isEqualTo(V4 | 0x0A000001L);
        assertThat(t.aPort(s)).isEqualTo(40000);
        assertThat(t.bPort(s)).isEqualTo(80);
        // same address: ports compare in network byte order on a little-endian host: 256 (0x0100)
        // is stored as 0x0001 and sorts before 1 (0x0100)
        assertThat(ConnectionTable.canonLess(0, 1, 256, 0, 1, 1)).isTrue();
    }

    @Test
    void refusesInsertWhenFullAndGrowsByDoublingUpToTheBound() {
        ConnectionTable t = new ConnectionTable(1, 40);
        assertThat(t.capacity()).isEqualTo(16);
        for (int i = 0; i < 16; i++) {
            t.insert(17, 0, V4 | i, 1, 0, V4 | 0xFFFF, 2);
        }
        assertThat(t.isFull()).isTrue();
        assertThatThrownBy(() -> t.insert(17, 0, V4 | 99, 1, 0, V4 | 0xFFFF, 2))
                .isInstanceOf(IllegalStateException.class);
        assertThat(t.grow()).isEqualTo(32);
        assertThat(t.grow()).isEqualTo(40);
        assertThat(t.canGrow()).isFalse();
        assertThatThrownBy(t::grow).isInstanceOf(IllegalStateException.class);
        for (int i = 0; i < 16; i++) {
            assertThat(t.find(17, 0, V4 | i, 1, 0, V4 | 0xFFFF, 2)).isGreaterThanOrEqualTo(0);
        }
    }

    /** An index with no empty entry would make a lookup of an absent key probe for ever. */
    @Test
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void findsAbsentKeysInFullTablesOfEverySmallBound() {
        for (int bound = 1; bound <= 40; bound++) {
            ConnectionTable t = new ConnectionTable(1, bound);
            for (int i = 0; i < bound; i++) {
                if (t.isFull()) {
                    t.grow();
                }
                t.insert(17, 0, V4 | i, 1, 0, V4 | 0xFFFF, 2);
            }
            assertThat(t.isFull()).isTrue();
            assertThat(t.canGrow()).isFalse();
            assertThat(t.find(17, 0, V4 | bound, 1, 0, V4 | 0xFFFF, 2)).as("bound %d", bound).isEqualTo(-1);
            for (int i = 0; i < bound; i++) {
                assertThat(t.find(17, 0, V4 | 0xFFFF, 2, 0, V4 | i, 1)).isGreaterThanOrEqualTo(0);
            }
        }
    }

    @Test
    void handsOutRemovedSlotsAgainAndKeepsTheOthers() {
        ConnectionTable t = new ConnectionTable(16, 16);
        int a = t.insert(17, 0, V4 | 1, 1, 0, V4 | 2, 2);
        int b = t.insert(17, 0x20010DB8_00000000L, 3, 1, 0, V4 | 4, 2); // IPv6: the side store too
        int c = t.insert(17, 0, V4 | 5, 1, 0, V4 | 6, 2);
        t.remove(b);
        assertThat(t.isLive(b)).isFalse();
        int[] live = new int[16];
        assertThat(t.liveSlots(live)).isEqualTo(2);
        assertThat(live).startsWith(a, c);
        int d = t.insert(6, 0, V4 | 7, 1, 0, V4 | 8, 2);
        assertThat(d).isEqualTo(b);
        t.remove(a);
        t.remove(d);
        assertThat(t.insert(6, 0, V4 | 9, 1, 0, V4 | 10, 2)).isEqualTo(d);
        assertThat(t.insert(6, 0, V4 | 11, 1, 0, V4 | 12, 2)).isEqualTo(a);
        assertThat(t.insert(6, 0, V4 | 13, 1, 0, V4 | 14, 2)).isEqualTo(3);
        assertThat(t.find(17, 0, V4 | 6, 2, 0, V4 | 5, 1)).isEqualTo(c);
        assertThat(t.find(17, 0, V4 | 2, 2, 0, V4 | 1, 1)).isEqualTo(-1);
        assertThat(t.find(17, 0, V4 | 4, 2, 0x20010DB8_00000000L, 3, 1)).isEqualTo(-1);
        assertThat(t.size()).isEqualTo(4);
    }

    @Test
    void keepsIpv6KeysInTheSideStoreAndReusesTheirEntries() {
        ConnectionTable t = new ConnectionTable(16, 100);
        int v6 = t.insert(6, 0x20010DB8_00000000L, 1, 1000, 0x20010DB8_00000000L, 2, 80);
        int v4 = t.insert(6, 0, V4 | 1, 1000, 0, V4 | 2, 80);
        assertThat(t.find(6, 0x20010DB8_00000000L, 2, 80, 0x20010DB8_00000000L, 1, 1000)).isEqualTo(v6);
        assertThat(t.aHi(v6)).isEqualTo(0x20010DB8_00000000L);
        assertThat(t.bLo(v6)).isEqualTo(2);
        assertThat(t.find(6, 0, V4 | 2, 80, 0, V4 | 1, 1000)).isEqualTo(v4);
        assertThat(t.aLo(v4)).isEqualTo(V4 | 1);
        // an IPv4-mapped address never matches the same bits as a native IPv6 key
        assertThat(t.find(6, 0, 1, 1000, 0, 2, 80)).isEqualTo(-1);
        t.remove(v6);
        int again = t.insert(17, 0x20010DB8_00000000L, 7, 53, 0x20010DB8_00000000L, 8, 53);
        assertThat(t.find(17, 0x20010DB8_00000000L, 8, 53, 0x20010DB8_00000000L, 7, 53)).isEqualTo(again);
        assertThat(t.find(6, 0x20010DB8_00000000L, 1, 1000, 0x20010DB8_00000000L, 2, 80)).isEqualTo(-1);
    }

    @Test
    void agreesWithHashMapOverRandomInsertsAndRemovals() {
        SplittableRandom rnd = new SplittableRandom(7);
        ConnectionTable t = new ConnectionTable(16, 16384);
        Map<Long, Integer> model = new HashMap<>();
        for (int step = 0; step < 200_000; step++) {
            long host = rnd.nextInt(3000);
            int port = rnd.nextInt(4);
            long key = host * 4 + port;
            // a third of the hosts are native IPv6, to exercise the side store
            long hi = host % 3 == 0 ? 0x20010DB8_00000000L : 0;
            long lo = hi != 0 ? host : V4 | host;
            long peerHi = hi;
            long peerLo = hi != 0 ? 0xABCDEF : V4 | 0xABCDEF;
            int found = t.find(6, hi, lo, port, peerHi, peerLo, 443);
            assertThat(found).isEqualTo(model.getOrDefault(key, -1));
            if (found >= 0 && rnd.nextBoolean()) {
                t.remove(found);
                model.remove(key);
            } else if (found < 0) {
                if (t.isFull()) {
                    t.grow();
                }
                model.put(key, t.insert(6, hi, lo, port, peerHi, peerLo, 443));
            }
            assertThat(t.size()).isEqualTo(model.size());
        }
    }

    @Test
    void sortsLiveSlotsByKeyAsTheComparatorDoesWithIpv4AndIpv6KeysMixed() {
        SplittableRandom rnd = new SplittableRandom(3);
        ConnectionTable t = new ConnectionTable(16, 4096);
        for (int i = 0; i < 3000; i++) {
            // few distinct addresses, so that ports and protocols decide many comparisons
            long a = rnd.nextInt(20);
            long b = rnd.nextInt(20) | (rnd.nextBoolean() ? 0xFFFF_0000L : 0);
            int kind = rnd.nextInt(6);
            boolean v6 = kind >= 4;
            long hi = v6 ? (rnd.nextBoolean() ? 0x20010DB8_00000000L : 0) : 0;
            long aLo = v6 ? a : V4 | a;
            long bLo = v6 ? b : V4 | b;
            long aHi = hi;
            long bHi = hi;
            if (kind == 5) {
                // an IPv6 key with one IPv4-mapped address: ties with IPv4 keys on that address
                aHi = 0;
                aLo = V4 | a;
                // b above a (so a stays key endpoint a): 2001:db8::b, or ::1:0:0:b and ::ffff:1:b,
                // where only the low word tells b from an IPv4 key's b
                int bk = rnd.nextInt(3);
                bHi = bk == 0 ? 0x20010DB8_00000000L : 0;
                bLo = bk == 0 ? b : bk == 1 ? 0x0001_0000_0000_0000L | b : 0xFFFF_0001_0000_0000L | b;
            }
            int proto = rnd.nextBoolean() ? 6 : 17;
            int sp = rnd.nextInt(70_000) & 0xFFFF;
            int dp = rnd.nextInt(4);
            if (t.find(proto, aHi, aLo, sp, bHi, bLo, dp) < 0) {
                if (t.isFull()) {
                    t.grow();
                }
                t.insert(proto, aHi, aLo, sp, bHi, bLo, dp);
            }
        }
        for (int s = 0; s < t.capacity(); s += 3) {
            if (t.isLive(s)) {
                t.remove(s);
            }
        }
        int[] slots = new int[t.size()];
        int n = t.liveSlots(slots);
        assertThat(n).isEqualTo(t.size());
        Integer[] want = new Integer[n];
        for (int i = 0; i < n; i++) {
            want[i] = slots[i];
        }
        java.util.Arrays.sort(want, t::compareKeys);
        t.sortByKey(slots, n);
        for (int i = 0; i < n; i++) {
            assertThat(slots[i]).as("position %d", i).isEqualTo(want[i]);
        }
    }
}
