package io.flowkit.core.internal.decode;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The word-grouped checksum against the naive byte-pair one, over every length and alignment. */
class ChecksumTest {

    @Test
    void agreesWithNaiveSumForEveryLengthOffsetByteOrderAndBufferKind() {
        SplittableRandom rnd = new SplittableRandom(1);
        byte[] data = new byte[300];
        ByteBuffer direct = ByteBuffer.allocateDirect(data.length);
        for (int round = 0; round < 50; round++) {
            for (int i = 0; i < data.length; i++) {
                data[i] = (byte) (rnd.nextInt(8) == 0 ? 0xFF : rnd.nextInt(256));
            }
            direct.clear();
            direct.put(data).clear();
            for (int from = 0; from < 9; from++) {
                for (int to = from; to <= data.length; to += 1 + rnd.nextInt(7)) {
                    int naive = ~Frames.internetChecksum(Arrays.copyOfRange(data, from, to)) & 0xFFFF;
                    for (ByteOrder order : new ByteOrder[] {ByteOrder.BIG_ENDIAN, ByteOrder.LITTLE_ENDIAN}) {
                        for (ByteBuffer b : new ByteBuffer[] {ByteBuffer.wrap(data), direct.duplicate()}) {
                            b.order(order);
                            int folded = Checksum.fold(Checksum.add(b, from, to, 0));
                            // 0 and 0xFFFF are the same number in one's complement
                            assertThat(folded % 0xFFFF).as("from %d to %d %s direct %s", from, to, order, b.isDirect())
                                    .isEqualTo(naive % 0xFFFF);
                        }
                    }
                }
            }
        }
    }

    @Test
    void largestDatagramOfAllOnesBytesDoesNotOverflowTheSums() {
        byte[] data = new byte[65535];
        Arrays.fill(data, (byte) 0xFF);
        data[1000] = 0x12;
        int naive = ~Frames.internetChecksum(data) & 0xFFFF;
        int folded = Checksum.fold(Checksum.add(ByteBuffer.wrap(data), 0, data.length, 0));
        assertThat(folded % 0xFFFF).isEqualTo(naive % 0xFFFF);
    }

    @Test
    void segmentWithItsChecksumSumsToAllOnes() {
        byte[] seg = {0x45, 0, 0, 0x1C, 0, 1, 0, 0, 0x40, 0x11, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2};
        Frames.put16(seg, 10, Frames.internetChecksum(seg));
        assertThat(Checksum.fold(Checksum.add(ByteBuffer.wrap(seg), 0, seg.length, 0))).isEqualTo(0xFFFF);
        seg[3] ^= 1;
        assertThat(Checksum.fold(Checksum.add(ByteBuffer.wrap(seg), 0, seg.length, 0))).isNotEqualTo(0xFFFF);
    }

    @Test
    void addsAddressesAsFour32BitWords() {
        long hi = 0x2001_0db8_0000_0001L;
        long lo = 0xFFFF_0000_1234_5678L;
        byte[] bytes = ByteBuffer.allocate(16).putLong(hi).putLong(lo).array();
        assertThat(Checksum.fold(Checksum.addAddress(hi, lo, 0)))
                .isEqualTo(Checksum.fold(Checksum.add(ByteBuffer.wrap(bytes), 0, 16, 0)));
    }
}
