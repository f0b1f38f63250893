package io.flowkit.core.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FrameBatchTest {

    @Test
    void keepsCopiesOfTheFramesAndHandsThemOutReadOnlyAsAFileMappingIs(@TempDir Path dir) throws IOException {
        FrameBatch batch = new FrameBatch();
        ByteBuffer heap = ByteBuffer.allocate(300);
        for (int i = 0; i < heap.capacity(); i++) {
            heap.put(i, (byte) (i * 7));
        }
        int n = FrameBatch.copyLength(heap, 10, 200);
        assertThat(n).isEqualTo(200);
        assertThat(batch.fits(n)).isTrue();
        batch.add(5, 1, heap, 10, n, 200, 1500);
        batch.add(6, 1, heap, 0, 50, 50, 50);
        // overwriting the source does not change the copies
        for (int i = 0; i < heap.capacity(); i++) {
            heap.put(i, (byte) 0);
        }
        assertThat(batch.count).isEqualTo(2);
        for (int i = 0; i < 200; i++) {
            assertThat(batch.data.get(batch.offset[0] + i)).isEqualTo((byte) ((10 + i) * 7));
        }
        for (int i = 0; i < 50; i++) {
            assertThat(batch.data.get(batch.offset[1] + i)).isEqualTo((byte) (i * 7));
        }
        assertThat(batch.time[1]).isEqualTo(6);
        assertThat(batch.wireLength[0]).isEqualTo(1500);
        // the decoder sees one buffer class for files read directly and for batched frames
        assertThat(batch.data.isReadOnly()).isTrue();
        assertThat(batch.data.getClass()).isSameAs(FrameRingTest.readOnlyMapping(dir).getClass());

        batch.clear();
        assertThat(batch.count).isZero();
        assertThat(batch.fits(FrameBatch.BYTES)).isTrue();
        assertThat(batch.fits(FrameBatch.BYTES + 1)).isFalse();
        assertThat(FrameBatch.copyLength(heap, 301, 1)).isEqualTo(-1);
    }
}
