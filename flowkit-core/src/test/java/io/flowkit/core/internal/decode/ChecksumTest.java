package io.flowkit.core.internal.decode;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The little-endian, word-grouped checksum against a plain big-endian sum of 16-bit words, folded
 * after every add: the same folded value, 0 and {@code 0xFFFF} told apart, for every length,
 * alignment, byte order and kind of buffer.
 */
class ChecksumTest {

    /** The reference: RFC 1071 as written, one big-endian 16-bit word at a time. */
    private static int reference(byte[] data, int from, int to) {
        int sum = 0;
        for (int i = from; i < to; i += 2) {
            int word = (data[i] & 0xFF) << 8 | (i + 1 < to ? data[i + 1] & 0xFF : 0);
            sum += word;
            sum = (sum & 0xFFFF) + (sum >>> 16);
        }
        return sum;
    }

    /** The same bytes in every kind of buffer the decoder meets, in both byte orders. */
    private static List<ByteBuffer> buffers(byte[] data, Path dir) throws IOException {
        ByteBuffer direct = ByteBuffer.allocateDirect(data.length);
        direct.put(data).clear();
        // a heap buffer whose array starts before its index 0
        byte[] padded = new byte[data.length + 3];
        System.arraycopy(data, 0, padded, 3, data.length);
        ByteBuffer offsetHeap = ByteBuffer.wrap(padded, 3, data.length).slice();
        Path file = Files.createTempFile(dir, "sum", ".bin");
        Files.write(file, data);
        ByteBuffer mapped;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            mapped = ch.map(FileChannel.MapMode.READ_ONLY, 0, data.length);
        }
        ByteBuffer[] kinds = {ByteBuffer.wrap(data), ByteBuffer.wrap(data).asReadOnlyBuffer(), offsetHeap, direct, mapped};
        List<ByteBuffer> all = new java.util.ArrayList<>();
        for (ByteBuffer b : kinds) {
            all.add(b.duplicate().order(ByteOrder.BIG_ENDIAN));
            all.add(b.duplicate().order(ByteOrder.LITTLE_ENDIAN));
        }
        return all;
    }

    @Test
    void equalsReferenceForEveryLengthAndAlignmentUpTo300Bytes(@TempDir Path dir) throws IOException {
        SplittableRandom rnd = new SplittableRandom(1);
        byte[] data = new byte[320];
        for (int round = 0; round < 4; round++) {
            for (int i = 0; i < data.length; i++) {
                // many 0xFF and 0x00 bytes, so that carries and all-ones words are common
                int kind = rnd.nextInt(4);
                data[i] = (byte) (kind == 0 ? 0xFF : kind == 1 ? 0 : rnd.nextInt(256));
            }
            List<ByteBuffer> buffers = buffers(data, dir);
            for (int from = 0; from < 16; from++) {
                for (int to = from; to <= from + 300; to++) {
                    int expected = reference(data, from, to);
                    for (ByteBuffer b : buffers) {
                        assertThat(Checksum.sum(b, from, to))
                                .as("from %d to %d, %s %s", from, to, b.order(), b.getClass().getSimpleName())
                                .isEqualTo(expected);
                    }
                }
            }
        }
    }

    @Test
    void equalsReferenceOnRandomRangesOfRandomBuffers(@TempDir Path dir) throws IOException {
        SplittableRandom rnd = new SplittableRandom(2);
        for (int round = 0; round < 40; round++) {
            byte[] data = new byte[1 + rnd.nextInt(4000)];
            int fill = rnd.nextInt(3);
            for (int i = 0; i < data.length; i++) {
                // uniform bytes, mostly 0xFF (long carry chains), or mostly zero
                int r = rnd.nextInt(256);
                data[i] = (byte) (fill == 0 ? r : fill == 1 ? (r < 200 ? 0xFF : r) : (r < 200 ? 0 : r));
            }
            List<ByteBuffer> buffers = buffers(data, dir);
            for (int k = 0; k < 200; k++) {
                int from = rnd.nextInt(data.length + 1);
                int to = from + rnd.nextInt(data.length - from + 1);
                int expected = reference(data, from, to);
                for (ByteBuffer b : buffers) {
                    assertThat(Checksum.sum(b, from, to)).as("len %d from %d to %d", data.length, from, to)
                            .isEqualTo(expected);
                }
            }
        }
    }

    @Test
    void tellsAllZeroBytesFromANonZeroSumThatFoldsToAllOnes() {
        assertThat(Checksum.sum(ByteBuffer.wrap(new byte[0]), 0, 0)).isZero();
        for (int len = 1; len < 40; len++) {
            assertThat(Checksum.sum(ByteBuffer.wrap(new byte[len]), 0, len)).as("zeros, length %d", len).isZero();
        }
        byte[] ones = new byte[64];
        Arrays.fill(ones, (byte) 0xFF);
        for (int len = 2; len <= 64; len += 2) {
            assertThat(Checksum.sum(ByteBuffer.wrap(ones), 0, len)).as("ones, length %d", len).isEqualTo(0xFFFF);
        }
        // 0x1234 + 0xEDCB = 0xFFFF: one's complement zero, never folded to 0
        byte[] complement = {0x12, 0x34, (byte) 0xED, (byte) 0xCB, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
        for (int len = 4; len <= complement.length; len++) {
            assertThat(Checksum.sum(ByteBuffer.wrap(complement), 0, len)).isEqualTo(0xFFFF);
        }
        // 0x8000 twice carries out of 16 bits: 0x0001
        byte[] carry = {(byte) 0x80, 0, 0, 0, 0, 0, 0, 0, (byte) 0x80, 0, 0, 0, 0, 0, 0, 0, 0};
        assertThat(Checksum.sum(ByteBuffer.wrap(carry), 0, carry.length)).isEqualTo(1);
    }

    @Test
    void padsAnOddLastByteOnTheRight() {
        byte[] data = {(byte) 0xAB, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0A, 0x0B, 0x0C, 0x0D,
            0x0E, 0x0F, 0x10, 0x11, 0x12};
        assertThat(Checksum.sum(ByteBuffer.wrap(data), 0, 1)).isEqualTo(0xAB00);
        assertThat(Checksum.sum(ByteBuffer.wrap(data), 1, 2)).isEqualTo(0x0100);
        assertThat(Checksum.sum(ByteBuffer.wrap(data), 0, 3)).isEqualTo(0xAB01 + 0x0200);
        for (int to = 1; to <= data.length; to += 2) {
            assertThat(Checksum.sum(ByteBuffer.wrap(data), 0, to)).as("to %d", to).isEqualTo(reference(data, 0, to));
        }
    }

    @Test
    void largestDatagramOfAllOnesBytesDoesNotOverflowTheSums() {
        byte[] data = new byte[65535];
        Arrays.fill(data, (byte) 0xFF);
        data[1000] = 0x12;
        assertThat(Checksum.sum(ByteBuffer.wrap(data), 0, data.length)).isEqualTo(reference(data, 0, data.length));
        data[1000] = (byte) 0xFF;
        // an odd last byte 0xFF is the word 0xFF00
        assertThat(Checksum.sum(ByteBuffer.wrap(data), 0, data.length)).isEqualTo(0xFF00);
        assertThat(Checksum.sum(ByteBuffer.wrap(data), 0, data.length - 1)).isEqualTo(0xFFFF);
    }

    @Test
    void segmentWithItsChecksumSumsToAllOnes() {
        byte[] seg = {0x45, 0, 0, 0x1C, 0, 1, 0, 0, 0x40, 0x11, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2};
        Frames.put16(seg, 10, Frames.internetChecksum(seg));
        assertThat(Checksum.sum(ByteBuffer.wrap(seg), 0, seg.length)).isEqualTo(0xFFFF);
        seg[3] ^= 1;
        assertThat(Checksum.sum(ByteBuffer.wrap(seg), 0, seg.length)).isNotEqualTo(0xFFFF);
    }

    @Test
    void addsAddressesAsFour32BitWords() {
        long hi = 0x2001_0db8_0000_0001L;
        long lo = 0xFFFF_0000_1234_5678L;
        byte[] bytes = ByteBuffer.allocate(16).putLong(hi).putLong(lo).array();
        assertThat(Checksum.fold(Checksum.addAddress(hi, lo, 0))).isEqualTo(Checksum.sum(ByteBuffer.wrap(bytes), 0, 16));
    }
}
