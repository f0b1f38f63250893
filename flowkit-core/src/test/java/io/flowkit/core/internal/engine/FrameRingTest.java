package io.flowkit.core.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FrameRingTest {

    private static ByteBuffer frame(int length, int seed) {
        ByteBuffer b = ByteBuffer.allocateDirect(length + 7);
        for (int i = 0; i < b.capacity(); i++) {
            b.put(i, (byte) (seed * 31 + i));
        }
        return b;
    }

    private static boolean sameBytes(FrameRing ring, long seq, ByteBuffer src, int off, int len) {
        ByteBuffer got = ring.buffer(seq);
        int at = ring.offset(seq);
        if (ring.captureLength(seq) != len || at + len > got.limit()) {
            return false;
        }
        for (int i = 0; i < len; i++) {
            if (got.get(at + i) != src.get(off + i)) {
                return false;
            }
        }
        return true;
    }

    @Test
    void carriesTheFrameBytesAndItsMetadata() {
        FrameRing ring = new FrameRing(4, 1024);
        ByteBuffer src = frame(100, 1);
        assertThat(ring.offerFrame(42, 228, src, 3, 100, 1500)).isTrue();
        assertThat(ring.available()).as("not published yet").isZero();
        ring.publish();
        long seq = ring.first();
        assertThat(ring.available()).isEqualTo(1);
        assertThat(ring.kind(seq)).isEqualTo(FrameRing.FRAME);
        assertThat(ring.time(seq)).isEqualTo(42);
        assertThat(ring.linkType(seq)).isEqualTo(228);
        assertThat(ring.wireLength(seq)).isEqualTo(1500);
        assertThat(sameBytes(ring, seq, src, 3, 100)).isTrue();
    }

    @Test
    void handsFramesOutInTheBufferClassOfAReadOnlyFileMapping(@TempDir Path dir) throws IOException {
        // The decoder's compiled code is shared by every engine: if consumers read the ring
        // through another buffer class than the single-threaded reader's mapped windows, each
        // buffer read turns into a type check (and C2 throws its code away when the second class
        // first shows up).
        FrameRing ring = new FrameRing(4, 1024);
        ByteBuffer src = frame(100, 3);
        assertThat(ring.offerFrame(1, 1, src, 0, 100, 100)).isTrue();
        ring.publish();
        ByteBuffer got = ring.buffer(ring.first());
        assertThat(got.isReadOnly()).isTrue();
        assertThat(got.getClass()).isSameAs(readOnlyMapping(dir).getClass());
        assertThat(got.order()).isEqualTo(ByteOrder.BIG_ENDIAN);
        assertThat(sameBytes(ring, ring.first(), src, 0, 100)).isTrue();
    }

    static ByteBuffer readOnlyMapping(Path dir) throws IOException {
        Path file = Files.write(dir.resolve("bytes"), new byte[64]);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            return ch.map(FileChannel.MapMode.READ_ONLY, 0, 64);
        }
    }

    @Test
    void refusesAFrameWhoseBytesDoNotFitUntilTheConsumerReleases() {
        FrameRing ring = new FrameRing(16, 256);
        ByteBuffer src = frame(100, 2);
        assertThat(ring.offerFrame(1, 1, src, 0, 100, 100)).isTrue();
        assertThat(ring.offerFrame(2, 1, src, 0, 100, 100)).isTrue();
        // 200 bytes used; the third would cross the end, so it needs the start, still in use
        assertThat(ring.offerFrame(3, 1, src, 0, 100, 100)).isFalse();
        ring.publish();
        assertThat(ring.available()).isEqualTo(2);
        ring.release(1);
        assertThat(ring.offerFrame(3, 1, src, 0, 100, 100)).as("the first frame's bytes are free").isTrue();
        ring.publish();
        long third = ring.first() + 1;
        assertThat(ring.time(third)).isEqualTo(3);
        assertThat(ring.offset(third)).as("kept contiguous: starts again at 0").isZero();
        assertThat(sameBytes(ring, third, src, 0, 100)).isTrue();
    }

    @Test
    void refusesMoreSlotsThanItsCapacityForMarksAsWellAsFrames() {
        FrameRing ring = new FrameRing(4, 1 << 16);
        for (int i = 0; i < 4; i++) {
            assertThat(ring.offerTime(FrameRing.ADVANCE, i)).isTrue();
        }
        assertThat(ring.offerTime(FrameRing.END, 9)).isFalse();
        assertThat(ring.offerFrame(9, 1, frame(10, 3), 0, 10, 10)).isFalse();
        ring.publish();
        ring.release(1);
        assertThat(ring.offerTime(FrameRing.END, 9)).isTrue();
        ring.publish();
        long last = ring.first() + 3;
        assertThat(ring.kind(last)).isEqualTo(FrameRing.END);
        assertThat(ring.time(last)).isEqualTo(9);
    }

    @Test
    void passesAFrameLargerThanTheDataAreaByReferenceUntilConsumed() {
        FrameRing ring = new FrameRing(4, 64);
        ByteBuffer big = frame(1000, 4);
        long seq = ring.offerExternal(5, 1, big, 7, 1000, 1000);
        assertThat(seq).isNotNegative();
        ring.publish();
        assertThat(ring.kind(seq)).isEqualTo(FrameRing.EXTERNAL);
        assertThat(ring.buffer(seq)).isSameAs(big);
        assertThat(ring.offset(seq)).isEqualTo(7);
        assertThat(ring.consumed(seq)).isFalse();
        ring.release(1);
        assertThat(ring.consumed(seq)).isTrue();
    }

    @Test
    void handsFramesBetweenParkingThreadsInOrderWithoutLosingOrCorruptingOne() throws InterruptedException {
        FrameRing ring = new FrameRing(64, 4096);
        int total = 100_000;
        ByteBuffer src = frame(1500, 5);
        int[] lengths = new SplittableRandom(9).ints(total, 0, 1500).toArray();
        AtomicReference<String> error = new AtomicReference<>();
        Thread consumer = new Thread(() -> {
            int expected = 0;
            while (expected < total) {
                int n = ring.available();
                long seq = ring.first();
                for (int k = 0; k < n; k++, seq++) {
                    int off = expected % 7;
                    if (ring.time(seq) != expected || !sameBytes(ring, seq, src, off, lengths[expected])) {
                        error.compareAndSet(null, "frame " + expected + " differs");
                    }
                    expected++;
                }
                ring.release(n);
                if (n == 0) {
                    ring.awaitSlots(16, 1_000_000_000L);
                }
            }
        });
        consumer.start();
        for (int i = 0; i < total; i++) {
            while (!ring.offerFrame(i, 1, src, i % 7, lengths[i], lengths[i])) {
                ring.publishAndWake();
                ring.awaitRoom(1_000_000_000L);
            }
            if (ring.unpublished() == 8) {
                ring.publish();
            }
        }
        ring.publishAndWake();
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
