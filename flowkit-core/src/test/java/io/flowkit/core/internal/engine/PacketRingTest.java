package io.flowkit.core.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.flowkit.core.internal.decode.PacketView;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class PacketRingTest {

    private static PacketView filled(long n) {
        PacketView v = new PacketView();
        v.timestampNanos = n;
        v.ipVersion = 6;
        v.ipProto = 17;
        v.srcHi = n + 1;
        v.srcLo = n + 2;
        v.dstHi = n + 3;
        v.dstLo = n + 4;
        v.ipLength = 1500;
        v.srcPort = 1234;
        v.dstPort = 53;
        v.icmpType = 3;
        v.icmpCode = 1;
        v.tcpFlags = 0x12;
        v.seq = 0xFFFF_FFFFL;
        v.ack = 77;
        v.window = 65535;
        v.payloadLength = 1400;
        v.payloadCaptured = 100;
        v.badChecksum = true;
        v.transportTruncated = false;
        v.reassembled = true;
        v.innerIpVersion = 4;
        v.innerProto = 6;
        v.innerSrcHi = n + 5;
        v.innerSrcLo = n + 6;
        v.innerDstHi = n + 7;
        v.innerDstLo = n + 8;
        v.innerSrcPort = 80;
        v.innerDstPort = 8080;
        v.vlan = 10;
        v.innerVlan = 20;
        return v;
    }

    @Test
    void carriesEveryFieldTheEngineReads() {
        PacketRing ring = new PacketRing(4);
        PacketView in = filled(42);
        ring.offerPacket(in);
        assertThat(ring.available()).isEqualTo(1);
        assertThat(ring.kind(ring.first())).isEqualTo(PacketRing.PACKET);
        PacketView out = new PacketView();
        ring.read(ring.first(), out);
        assertThat(out).usingRecursiveComparison().ignoringFields("buffer", "payloadOffset").isEqualTo(in);
        assertThat(out.buffer).isNull();
    }

    @Test
    void refusesMoreThanItsCapacityUntilTheConsumerReleases() {
        PacketRing ring = new PacketRing(4);
        for (int i = 0; i < 4; i++) {
            assertThat(ring.hasRoom()).isTrue();
            ring.offerTime(PacketRing.ADVANCE, i);
        }
        assertThat(ring.hasRoom()).isFalse();
        assertThat(ring.available()).isEqualTo(4);
        assertThat(ring.time(ring.first() + 3)).isEqualTo(3);
        ring.release(1);
        assertThat(ring.hasRoom()).isTrue();
        ring.offerTime(PacketRing.END, 9);
        assertThat(ring.hasRoom()).isFalse();
        long last = ring.first() + 3;
        assertThat(ring.kind(last)).isEqualTo(PacketRing.END);
        assertThat(ring.time(last)).isEqualTo(9);
    }

    @Test
    void handsPacketsBetweenThreadsInOrderWithoutLosingOne() throws InterruptedException {
        PacketRing ring = new PacketRing(64);
        int total = 200_000;
        AtomicReference<String> error = new AtomicReference<>();
        Thread consumer = new Thread(() -> {
            PacketView v = new PacketView();
            long expected = 0;
            while (expected < total) {
                int n = ring.available();
                for (int k = 0; k < n; k++) {
                    ring.read(ring.first() + k, v);
                    if (v.timestampNanos != expected || v.innerDstLo != expected + 8) {
                        error.compareAndSet(null, "got " + v.timestampNanos + " expected " + expected);
                    }
                    expected++;
                }
                ring.release(n);
                if (n == 0) {
                    Thread.onSpinWait();
                }
            }
        });
        consumer.start();
        PacketView[] views = {filled(0)};
        for (long i = 0; i < total; i++) {
            while (!ring.hasRoom()) {
                Thread.onSpinWait();
            }
            PacketView v = views[0];
            v.timestampNanos = i;
            v.innerDstLo = i + 8;
            ring.offerPacket(v);
        }
        consumer.join();
        assertThat(error.get()).isNull();
    }

    @Test
    void outcomeQueueIsFirstInFirstOutAcrossThreads() throws InterruptedException {
        OutcomeQueue q = new OutcomeQueue(16);
        int total = 100_000;
        Integer[] items = new Integer[total];
        for (int i = 0; i < total; i++) {
            items[i] = i;
        }
        Thread producer = new Thread(() -> {
            for (int i = 0; i < total; i++) {
                while (!q.offer(items[i])) {
                    Thread.onSpinWait();
                }
            }
        });
        producer.start();
        int next = 0;
        while (next < total) {
            Object o = q.poll();
            if (o == null) {
                Thread.onSpinWait();
                continue;
            }
            assertThat(o).isSameAs(items[next]);
            next++;
        }
        producer.join();
        assertThat(q.poll()).isNull();
    }
}
