package io.flowkit.pcap;

import static io.flowkit.pcap.Captures.payload;
import static io.flowkit.pcap.Captures.readAll;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flowkit.CaptureFormatException;
import io.flowkit.LinkType;
import io.flowkit.PacketSource;
import io.flowkit.pcap.Captures.Frame;
import java.io.ByteArrayInputStream;
import java.io.FileInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One test per kind of damage, each built from good bytes written here. Every case is checked
 * through the memory-mapped path and the stream path, which must agree.
 */
class HostileInputTest {
    private static final long T0 = 1_600_000_000_000_000_000L;

    @TempDir
    Path dir;

    /** Outcome of reading damaged bytes to the end: the frames, skipped count, or the exception. */
    private record Outcome(List<Frame> frames, long skipped, CaptureFormatException error) {
    }

    private Outcome read(byte[] bytes) throws IOException {
        Path p = dir.resolve("bad.cap");
        Files.write(p, bytes);
        Outcome mapped = readOne(() -> PcapFile.open(p), p.toString());
        Outcome stream = readOne(() -> PcapFile.open(new ByteArrayInputStream(bytes), p.toString()), p.toString());
        assertThat(stream.frames()).isEqualTo(mapped.frames());
        assertThat(stream.skipped()).isEqualTo(mapped.skipped());
        assertThat(stream.error() == null ? null : stream.error().getMessage())
                .isEqualTo(mapped.error() == null ? null : mapped.error().getMessage());
        // a FileInputStream is read through its channel into a direct buffer: the same outcome
        Outcome file = readOne(() -> PcapFile.open(new FileInputStream(p.toFile()), p.toString()), p.toString());
        assertThat(file.frames()).isEqualTo(mapped.frames());
        assertThat(file.skipped()).isEqualTo(mapped.skipped());
        assertThat(file.error() == null ? null : file.error().getMessage())
                .isEqualTo(mapped.error() == null ? null : mapped.error().getMessage());
        return mapped;
    }

    private interface Opener {
        PacketSource open() throws IOException;
    }

    private static Outcome readOne(Opener opener, String name) throws IOException {
        Captures.Recorder r = new Captures.Recorder();
        PacketSource s;
        try {
            s = opener.open();
        } catch (CaptureFormatException e) {
            assertThat(e.source()).isEqualTo(name);
            return new Outcome(r.frames, 0, e);
        }
        try (s) {
            while (s.poll(r, 3) != PacketSource.END_OF_INPUT) {
                assertThat(r.frames.size()).isLessThan(1_000_000);
            }
            return new Outcome(r.frames, s.stats().skippedRecords(), null);
        } catch (CaptureFormatException e) {
            assertThat(e.source()).isEqualTo(name);
            return new Outcome(r.frames, s.stats().skippedRecords(), e);
        }
    }

    private static Captures.Pcap goodPcap() {
        return new Captures.Pcap(ByteOrder.LITTLE_ENDIAN, false, 65535, LinkType.ETHERNET)
                .record(T0, payload(1, 60), 60).record(T0 + 1000, payload(2, 70), 70);
    }

    private static Captures.Pcapng goodPcapng() {
        return new Captures.Pcapng().section(ByteOrder.LITTLE_ENDIAN).iface(LinkType.ETHERNET, 0, null, null)
                .epb(0, 1, payload(1, 60), 60);
    }

    private static byte[] le32(long v) {
        return ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt((int) v).array();
    }

    @Test
    void rejectsEmptyFileAtOffsetZero() throws IOException {
        Outcome o = read(new byte[0]);
        assertThat(o.error().offset()).isZero();
        assertThat(o.error()).hasMessageContaining("empty");
    }

    @Test
    void rejectsTextFileAsNotACaptureAtOffsetZero() throws IOException {
        Outcome o = read("GET / HTTP/1.1\r\nHost: example\r\n\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        assertThat(o.error().offset()).isZero();
        assertThat(o.error()).hasMessageContaining("not a pcap or pcapng capture");
    }

    @Test
    void rejectsRandomBytesAtOffsetZero() throws IOException {
        byte[] junk = new byte[4096];
        new Random(42).nextBytes(junk);
        Outcome o = read(junk);
        assertThat(o.error().offset()).isZero();
    }

    @Test
    void rejectsFileTooShortForAMagic() throws IOException {
        Outcome o = read(new byte[] {(byte) 0xD4, (byte) 0xC3});
        assertThat(o.error().offset()).isZero();
        assertThat(o.error()).hasMessageContaining("only 2 bytes");
    }

    @Test
    void rejectsPcapFileHeaderCutShort() throws IOException {
        Outcome o = read(Arrays.copyOf(goodPcap().bytes(), 20));
        assertThat(o.error().offset()).isZero();
        assertThat(o.error()).hasMessageContaining("file header cut short");
    }

    @Test
    void countsRecordHeaderCutAtEndAndEndsCleanly() throws IOException {
        byte[] good = goodPcap().bytes();
        Outcome o = read(Arrays.copyOf(good, good.length - 70 - 9));
        assertThat(o.error()).isNull();
        assertThat(o.frames()).hasSize(1);
        assertThat(o.skipped()).isEqualTo(1);
    }

    @Test
    void countsRecordBodyCutAtEndAndEndsCleanly() throws IOException {
        byte[] good = goodPcap().bytes();
        Outcome o = read(Arrays.copyOf(good, good.length - 1));
        assertThat(o.error()).isNull();
        assertThat(o.frames()).hasSize(1);
        assertThat(o.skipped()).isEqualTo(1);
    }

    @Test
    void countsRecordClaimingMoreBytesThanTheFileHoldsAndEndsCleanly() throws IOException {
        byte[] bytes = goodPcap().rawRecord(1, 0, 200_000, 200_000, payload(3, 100)).bytes();
        Outcome o = read(bytes);
        assertThat(o.error()).isNull();
        assertThat(o.frames()).hasSize(2);
        assertThat(o.skipped()).isEqualTo(1);
    }

    @Test
    void rejectsPcapRecordLongerThanLibpcapsLimitAtItsOffset() throws IOException {
        byte[] bytes = goodPcap().rawRecord(1, 0, 262_145, 262_145, payload(3, 100)).bytes();
        Outcome o = read(bytes);
        assertThat(o.frames()).hasSize(2);
        assertThat(o.error().offset()).isEqualTo(24 + 16 + 60 + 16 + 70);
        assertThat(o.error()).hasMessageContaining("262145");
    }

    @Test
    void raisesWireLengthBelowCaptureLengthToCaptureLength() throws IOException {
        Outcome o = read(goodPcap().rawRecord(1, 0, 50, 10, payload(3, 50)).bytes());
        assertThat(o.frames().get(2).wireLength()).isEqualTo(50);
        assertThat(o.frames().get(2).data()).isEqualTo(payload(3, 50));
    }

    @Test
    void rejectsPcapngBlockLengthNotMultipleOfFour() throws IOException {
        byte[] good = goodPcapng().bytes();
        byte[] bytes = new Captures.Pcapng().raw(good).raw(le32(6)).raw(le32(42)).raw(new byte[34]).bytes();
        Outcome o = read(bytes);
        assertThat(o.frames()).hasSize(1);
        assertThat(o.error().offset()).isEqualTo(good.length);
        assertThat(o.error()).hasMessageContaining("not a multiple of 4");
    }

    @Test
    void rejectsPcapngBlockLengthSmallerThanItsHeader() throws IOException {
        byte[] good = goodPcapng().bytes();
        byte[] bytes = new Captures.Pcapng().raw(good).raw(le32(6)).raw(le32(8)).raw(le32(8)).bytes();
        Outcome o = read(bytes);
        assertThat(o.error().offset()).isEqualTo(good.length);
        assertThat(o.error()).hasMessageContaining("below the minimum");
    }

    @Test
    void rejectsPcapngBlockWhoseTrailingLengthDiffers() throws IOException {
        byte[] bytes = goodPcapng().epb(0, 2, payload(2, 40), 40).bytes();
        bytes[bytes.length - 4] ^= 0x04;
        Outcome o = read(bytes);
        assertThat(o.frames()).hasSize(1);
        assertThat(o.error().offset()).isEqualTo(bytes.length - (28 + 40 + 4));
        assertThat(o.error()).hasMessageContaining("trailing copy");
    }

    @Test
    void rejectsSkippedBlockWhoseTrailingLengthDiffers() throws IOException {
        byte[] bytes = goodPcapng().block(0x7777, payload(5, 20)).bytes();
        bytes[bytes.length - 4] ^= 0x10;
        assertThat(read(bytes).error()).hasMessageContaining("trailing copy");
    }

    @Test
    void skipsAndCountsPacketBlockOfUnknownInterface() throws IOException {
        Outcome o = read(goodPcapng().epb(3, 2, payload(2, 40), 40).epb(0, 3, payload(3, 40), 40).bytes());
        assertThat(o.error()).isNull();
        assertThat(o.frames()).extracting(Frame::timestampNanos).containsExactly(1000L, 3000L);
        assertThat(o.skipped()).isEqualTo(1);
    }

    @Test
    void skipsAndCountsSimplePacketBlockWithoutInterface() throws IOException {
        Outcome o = read(new Captures.Pcapng().section(ByteOrder.BIG_ENDIAN).spb(payload(1, 20), 20).bytes());
        assertThat(o.frames()).isEmpty();
        assertThat(o.skipped()).isEqualTo(1);
    }

    @Test
    void skipsAndCountsPacketBlockWhoseCaptureLengthExceedsTheBlock() throws IOException {
        Outcome o = read(goodPcapng().epbClaiming(0, 41, payload(2, 40)).epb(0, 3, payload(3, 40), 40).bytes());
        assertThat(o.frames()).hasSize(2);
        assertThat(o.skipped()).isEqualTo(1);
    }

    @Test
    void skipsAndCountsPacketBlockLargerThanTheBlockBound() throws IOException {
        Outcome o = read(goodPcapng().epb(0, 2, payload(2, 400_000), 400_000).epb(0, 3, payload(3, 40), 40).bytes());
        assertThat(o.frames()).extracting(Frame::timestampNanos).containsExactly(1000L, 3000L);
        assertThat(o.skipped()).isEqualTo(1);
    }

    @Test
    void skipsAndCountsPacketBlocksTooShortForTheirFieldsAtTheEndOfTheFile() throws IOException {
        // the fields of a 12-byte EPB or SPB would lie past the block, here past the file's end
        Outcome o = read(goodPcapng().block(6, new byte[0]).block(3, new byte[0]).block(2, new byte[16]).bytes());
        assertThat(o.error()).isNull();
        assertThat(o.frames()).hasSize(1);
        assertThat(o.skipped()).isEqualTo(3);
    }

    @Test
    void countsPcapngBlockCutAtEndAndEndsCleanly() throws IOException {
        byte[] bytes = goodPcapng().epb(0, 2, payload(2, 40), 40).bytes();
        Outcome o = read(Arrays.copyOf(bytes, bytes.length - 10));
        assertThat(o.error()).isNull();
        assertThat(o.frames()).hasSize(1);
        assertThat(o.skipped()).isEqualTo(1);
    }

    @Test
    void countsHugeSkippedBlockCutAtEndWithoutBufferingIt() throws IOException {
        byte[] bytes = goodPcapng().raw(le32(0x7777)).raw(le32(0xFFFF_FFFCL)).raw(payload(1, 1000)).bytes();
        Outcome o = read(bytes);
        assertThat(o.error()).isNull();
        assertThat(o.frames()).hasSize(1);
        assertThat(o.skipped()).isEqualTo(1);
    }

    @Test
    void rejectsSectionHeaderWithBadByteOrderMagic() throws IOException {
        byte[] bytes = goodPcapng().bytes();
        bytes[8] = 0x55;
        Outcome o = read(bytes);
        assertThat(o.error().offset()).isEqualTo(8);
        assertThat(o.error()).hasMessageContaining("byte-order magic");
    }

    @Test
    void rejectsUnsupportedPcapngMajorVersion() throws IOException {
        byte[] second = new Captures.Pcapng().section(ByteOrder.LITTLE_ENDIAN).bytes();
        second[12] = 2;
        byte[] first = goodPcapng().bytes();
        Outcome o = read(new Captures.Pcapng().raw(first).raw(second).bytes());
        assertThat(o.frames()).hasSize(1);
        assertThat(o.error().offset()).isEqualTo(first.length + 12);
    }

    @Test
    void rejectsFirstSectionHeaderCutShort() throws IOException {
        Outcome o = read(Arrays.copyOf(goodPcapng().bytes(), 20));
        assertThat(o.error().offset()).isZero();
    }

    @Test
    void skipsPacketsOfInterfaceWithUnusableTimestampResolution() throws IOException {
        byte[] bytes = new Captures.Pcapng().section(ByteOrder.LITTLE_ENDIAN)
                .iface(LinkType.RAW, 0, 19, null)          // 10^-19 does not fit a long
                .iface(LinkType.RAW, 0, 0x80 | 64, null)   // 2^-64 neither
                .iface(LinkType.RAW, 0, 0x80 | 63, null)
                .epb(0, 1, payload(1, 20), 20).epb(1, 1, payload(2, 20), 20).epb(2, 1L << 63, payload(3, 20), 20)
                .bytes();
        Outcome o = read(bytes);
        assertThat(o.frames()).extracting(Frame::timestampNanos).containsExactly(1_000_000_000L);
        assertThat(o.skipped()).isEqualTo(4);
    }

    @Test
    void ignoresInterfaceOptionsAfterAMalformedOne() throws IOException {
        // tsresol 9 then an option claiming 200 bytes in a block that has 8 left
        ByteBuffer body = ByteBuffer.allocate(28).order(ByteOrder.LITTLE_ENDIAN);
        body.putShort((short) LinkType.RAW).putShort((short) 0).putInt(0)
                .putShort((short) 9).putShort((short) 1).put((byte) 9).put(new byte[3])
                .putShort((short) 14).putShort((short) 200).putInt(0).putInt(0);
        byte[] bytes = new Captures.Pcapng().section(ByteOrder.LITTLE_ENDIAN).block(1, body.array())
                .epb(0, 77, payload(1, 20), 20).bytes();
        Outcome o = read(bytes);
        assertThat(o.frames()).extracting(Frame::timestampNanos).containsExactly(77L);
        assertThat(o.skipped()).isZero();
    }

    @Test
    void boundsInterfacesPerSectionAndCountsTheRest() throws IOException {
        Captures.Pcapng ng = new Captures.Pcapng().section(ByteOrder.BIG_ENDIAN);
        for (int k = 0; k < 4100; k++) {
            ng.iface(LinkType.RAW, 0, null, null);
        }
        Outcome o = read(ng.epb(4095, 1, payload(1, 20), 20).epb(4096, 1, payload(2, 20), 20).bytes());
        assertThat(o.frames()).hasSize(1);
        assertThat(o.skipped()).isEqualTo(4 + 1);
    }

    @Test
    void rejectsGzipDataWithWrongChecksumNamingTheDecompressedOffset() throws IOException {
        byte[] pcap = goodPcap().bytes();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(pcap);
        }
        byte[] compressed = out.toByteArray();
        compressed[compressed.length - 8] ^= 0x01; // CRC-32 of the member
        Outcome o = read(compressed);
        assertThat(o.error()).hasMessageContaining("gzip");
        assertThat(o.error().offset()).isEqualTo(pcap.length);
        assertThat(o.frames()).hasSize(2);
    }

    @Test
    void rejectsGzipStreamCutShort() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(goodPcap().bytes());
        }
        byte[] compressed = out.toByteArray();
        Outcome o = read(Arrays.copyOf(compressed, compressed.length - 12));
        assertThat(o.error()).hasMessageContaining("gzip");
    }
}
