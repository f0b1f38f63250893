package io.flowkit.pcap;

import static io.flowkit.pcap.Captures.payload;
import static io.flowkit.pcap.Captures.readAll;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flowkit.LinkType;
import io.flowkit.PacketSource;
import io.flowkit.SourceStats;
import io.flowkit.pcap.Captures.Frame;
import io.flowkit.pcap.internal.Formats;
import io.flowkit.pcap.internal.Limits;
import io.flowkit.pcap.internal.MappedInput;
import java.io.ByteArrayInputStream;
import java.io.FileInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PcapFileTest {
    private static final long T0 = 1_700_000_000_123_456_789L;

    @TempDir
    Path dir;

    private Path write(String name, byte[] bytes) throws IOException {
        Path p = dir.resolve(name);
        Files.write(p, bytes);
        return p;
    }

    /** Reads the bytes as a mapped file and as a stream, checks both agree, returns the frames. */
    private List<Frame> readBothWays(byte[] bytes) throws IOException {
        List<Frame> mapped;
        try (PacketSource s = PcapFile.open(write("t.cap", bytes))) {
            mapped = readAll(s);
        }
        try (PacketSource s = PcapFile.open(new ByteArrayInputStream(bytes), "-")) {
            assertThat(readAll(s)).isEqualTo(mapped);
        }
        // a FileInputStream is read through its channel
        try (PacketSource s = PcapFile.open(new FileInputStream(dir.resolve("t.cap").toFile()), "-")) {
            assertThat(readAll(s)).isEqualTo(mapped);
        }
        return mapped;
    }

    private static byte[] gzip(byte[] bytes) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(bytes);
        }
        return out.toByteArray();
    }

    @ParameterizedTest
    @ValueSource(strings = {"BIG_ENDIAN/micros", "LITTLE_ENDIAN/micros", "BIG_ENDIAN/nanos", "LITTLE_ENDIAN/nanos"})
    void readsPcapInEitherByteOrderAndResolution(String variant) throws IOException {
        ByteOrder order = variant.startsWith("BIG") ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
        boolean nanos = variant.endsWith("nanos");
        Captures.Pcap pcap = new Captures.Pcap(order, nanos, 65535, LinkType.ETHERNET);
        for (int k = 0; k < 5; k++) {
            pcap.record(T0 + k * 1_000_001L, payload(k, 60 + k), 60 + k);
        }
        List<Frame> frames = readBothWays(pcap.bytes());
        assertThat(frames).hasSize(5);
        for (int k = 0; k < 5; k++) {
            long expected = T0 + k * 1_000_001L;
            if (!nanos) {
                expected -= expected % 1000;
            }
            assertThat(frames.get(k)).isEqualTo(new Frame(expected, LinkType.ETHERNET, payload(k, 60 + k), 60 + k));
        }
    }

    @Test
    void deliversTruncatedPcapRecordAndCountsIt() throws IOException {
        byte[] pcap = new Captures.Pcap(ByteOrder.LITTLE_ENDIAN, false, 64, LinkType.RAW)
                .record(T0, payload(1, 64), 1500).record(T0, payload(2, 40), 40).bytes();
        try (PacketSource s = PcapFile.open(write("trunc.pcap", pcap))) {
            List<Frame> frames = readAll(s);
            assertThat(frames).extracting(Frame::wireLength).containsExactly(1500, 40);
            assertThat(frames.get(0).data()).isEqualTo(payload(1, 64));
            assertThat(s.stats()).isEqualTo(new SourceStats(2, 104, 1, 0, 0));
        }
    }

    @Test
    void masksFcsBitsOfPcapLinkType() throws IOException {
        byte[] pcap = new Captures.Pcap(ByteOrder.BIG_ENDIAN, false, 65535, 0x1400_0000 | LinkType.ETHERNET)
                .record(T0, payload(1, 20), 20).bytes();
        assertThat(readBothWays(pcap)).extracting(Frame::linkType).containsExactly(LinkType.ETHERNET);
    }

    @Test
    void cutsRecordsLongerThanTheSnapshotLengthAsLibpcapDoes() throws Exception {
        byte[] pcap = new Captures.Pcap(ByteOrder.BIG_ENDIAN, false, 64, LinkType.ETHERNET)
                .record(T0, payload(1, 100), 1000).record(T0, payload(2, 64), 64).record(T0, payload(3, 30), 30)
                .bytes();
        Path p = write("snap.pcap", pcap);
        List<Frame> frames = readBothWays(pcap);
        assertThat(frames).extracting(f -> f.data().length).containsExactly(64, 64, 30);
        assertThat(frames.get(0).data()).isEqualTo(java.util.Arrays.copyOf(payload(1, 100), 64));
        assertThat(frames).isEqualTo(Captures.readWithPcap4j(p, true));
    }

    @Test
    void treatsSnapshotLengthZeroAsTheMaximum() throws Exception {
        byte[] pcap = new Captures.Pcap(ByteOrder.LITTLE_ENDIAN, false, 0, LinkType.RAW)
                .record(T0, payload(1, 3000), 3000).bytes();
        Path p = write("snap0.pcap", pcap);
        assertThat(readBothWays(pcap)).isEqualTo(Captures.readWithPcap4j(p, true)).hasSize(1);
    }

    @ParameterizedTest
    @ValueSource(strings = {"BIG_ENDIAN", "LITTLE_ENDIAN"})
    void readsKuznetzovPatchedPcapAsLibpcapDoes(String orderName) throws Exception {
        ByteOrder order = orderName.equals("BIG_ENDIAN") ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
        ByteBuffer b = ByteBuffer.allocate(24 + 3 * (24 + 100)).order(order);
        b.putInt(0xA1B2CD34).putShort((short) 2).putShort((short) 4).putInt(0).putInt(0).putInt(50)
                .putInt(LinkType.ETHERNET);
        for (int k = 0; k < 3; k++) {
            int len = 60 + k * 4; // the third is longer than snaplen 50 + 14
            b.putInt(1_600_000_000 + k).putInt(k * 1000).putInt(len).putInt(len + 1)
                    .putInt(7).putShort((short) 0x0800).put((byte) 0).put((byte) 0).put(payload(k, len));
        }
        byte[] bytes = java.util.Arrays.copyOf(b.array(), b.position());
        Path p = write("kuznetzov.pcap", bytes);
        List<Frame> frames = readBothWays(bytes);
        assertThat(frames).extracting(f -> f.data().length).containsExactly(60, 64, 64);
        assertThat(frames).isEqualTo(Captures.readWithPcap4j(p, true));
    }

    @Test
    void readsPcapngSectionsInBothByteOrdersWithTheirOwnInterfaces() throws IOException {
        byte[] ng = new Captures.Pcapng()
                .section(ByteOrder.BIG_ENDIAN)
                .iface(LinkType.ETHERNET, 0, null, null)
                .iface(LinkType.RAW, 0, 9, null)
                .epb(0, 1_700_000_000_000_000L, payload(1, 61), 61)
                .epb(1, 1_700_000_000_000_000_007L, payload(2, 33), 33)
                .section(ByteOrder.LITTLE_ENDIAN)
                .iface(LinkType.LINUX_SLL, 0, null, null)
                .epb(0, 1_700_000_001_000_000L, payload(3, 45), 90)
                .bytes();
        assertThat(readBothWays(ng)).containsExactly(
                new Frame(1_700_000_000_000_000_000L, LinkType.ETHERNET, payload(1, 61), 61),
                new Frame(1_700_000_000_000_000_007L, LinkType.RAW, payload(2, 33), 33),
                new Frame(1_700_000_001_000_000_000L, LinkType.LINUX_SLL, payload(3, 45), 90));
    }

    @Test
    void resetsInterfacesAtEachSection() throws IOException {
        byte[] ng = new Captures.Pcapng()
                .section(ByteOrder.BIG_ENDIAN).iface(LinkType.ETHERNET, 0, null, null).iface(LinkType.RAW, 0, null, null)
                .section(ByteOrder.BIG_ENDIAN).iface(LinkType.ETHERNET, 0, null, null)
                .epb(1, 5, payload(1, 20), 20)
                .bytes();
        try (PacketSource s = PcapFile.open(write("reset.pcapng", ng))) {
            assertThat(readAll(s)).isEmpty();
            assertThat(s.stats().skippedRecords()).isEqualTo(1);
        }
    }

    @Test
    void convertsDecimalAndBinaryTimestampResolutionsAndOffsets() throws IOException {
        byte[] ng = new Captures.Pcapng()
                .section(ByteOrder.LITTLE_ENDIAN)
                .iface(LinkType.RAW, 0, 3, null)           // milliseconds
                .iface(LinkType.RAW, 0, 12, null)          // picoseconds
                .iface(LinkType.RAW, 0, 0x80 | 20, null)   // 2^-20 s
                .iface(LinkType.RAW, 0, 0x80 | 40, 100L)   // 2^-40 s, 100 s offset
                .iface(LinkType.RAW, 0, null, -10L)        // default microseconds, -10 s offset
                .epb(0, 1_700_000_000_123L, payload(0, 20), 20)
                .epb(1, 123_456_789_012L, payload(1, 20), 20)
                .epb(2, (5L << 20) | (1L << 19), payload(2, 20), 20)
                .epb(3, (7L << 40) | (1L << 38), payload(3, 20), 20)
                .epb(4, 2_000_000L, payload(4, 20), 20)
                .bytes();
        List<Frame> frames = readBothWays(ng);
        assertThat(frames).extracting(Frame::timestampNanos).containsExactly(
                1_700_000_000_123_000_000L,
                123_456_789L,
                5_500_000_000L,
                107_250_000_000L,
                -8_000_000_000L);
    }

    @Test
    void readsSimpleAndObsoletePacketBlocks() throws IOException {
        byte[] ng = new Captures.Pcapng()
                .section(ByteOrder.BIG_ENDIAN)
                .iface(LinkType.ETHERNET, 30, null, null)
                .opb(0, 1_000_000L, payload(1, 25), 25)
                .spb(payload(2, 50), 50)
                .bytes();
        List<Frame> frames = readBothWays(ng);
        assertThat(frames).containsExactly(
                new Frame(1_000_000_000L, LinkType.ETHERNET, payload(1, 25), 25),
                // the simple block is cut to the snapshot length and takes the previous time
                new Frame(1_000_000_000L, LinkType.ETHERNET, java.util.Arrays.copyOf(payload(2, 50), 30), 50));
    }

    @Test
    void skipsNameResolutionStatisticsCustomAndUnknownBlocks() throws IOException {
        byte[] ng = new Captures.Pcapng()
                .section(ByteOrder.LITTLE_ENDIAN)
                .block(4, payload(9, 30))            // name resolution
                .iface(LinkType.ETHERNET, 0, null, null)
                .block(5, payload(8, 24))            // interface statistics
                .epb(0, 1, payload(1, 20), 20)
                .block(0x00000BAD, payload(7, 17))   // custom
                .block(0x40000BAD, new byte[0])      // custom, empty
                .block(0x7777, payload(6, 100))      // unknown
                .epb(0, 2, payload(2, 20), 20)
                .bytes();
        try (PacketSource s = PcapFile.open(write("blocks.pcapng", ng))) {
            assertThat(readAll(s)).extracting(Frame::timestampNanos).containsExactly(1000L, 2000L);
            assertThat(s.stats().skippedRecords()).isZero();
        }
    }

    @Test
    void readsGzipCompressedFilesAndStreams() throws IOException {
        byte[] pcap = new Captures.Pcap(ByteOrder.LITTLE_ENDIAN, true, 65535, LinkType.ETHERNET)
                .record(T0, payload(1, 100), 100).record(T0 + 1, payload(2, 200), 200).bytes();
        List<Frame> plain = readBothWays(pcap);
        List<Frame> viaGzip = readBothWays(gzip(pcap));
        assertThat(viaGzip).hasSize(2).isEqualTo(plain);
    }

    @Test
    void deliversRecordsThatCrossMappingWindowEdgesWhole() throws IOException {
        Captures.Pcap pcap = new Captures.Pcap(ByteOrder.BIG_ENDIAN, false, 65535, LinkType.ETHERNET);
        int count = 0;
        long total = 24;
        int window = Limits.MAX_BLOCK_BYTES;
        while (total < 5L * window) {
            int len = 1 + (count * 7919) % 9000;
            pcap.record(T0 + count, payload(count, len), len);
            total += 16 + len;
            count++;
        }
        Path p = write("windows.pcap", pcap.bytes());
        List<Frame> small;
        try (PacketSource s = Formats.open(p, window)) {
            small = readAll(s);
        }
        try (PacketSource s = PcapFile.open(p)) {
            assertThat(small).hasSize(count).isEqualTo(readAll(s));
        }
        for (int k = 0; k < count; k++) {
            assertThat(small.get(k).data()).isEqualTo(payload(k, 1 + (k * 7919) % 9000));
        }
    }

    @Test
    void readsWindowsFaultedInByReadAheadThreadsExactlyAsAStream() throws IOException, InterruptedException {
        Captures.Pcap pcap = new Captures.Pcap(ByteOrder.LITTLE_ENDIAN, false, 65535, LinkType.ETHERNET);
        int window = MappedInput.READ_AHEAD_MIN_BYTES;
        long total = 24;
        int count = 0;
        while (total < 3L * window) {
            int len = 60 + (count * 7919) % 1455;
            pcap.record(T0 + count, payload(count, len), len);
            total += 16 + len;
            count++;
        }
        byte[] bytes = pcap.bytes();
        Path p = write("read-ahead.pcap", bytes);
        List<Frame> mapped;
        try (PacketSource s = Formats.open(p, window)) {
            mapped = readAll(s);
        }
        try (PacketSource s = PcapFile.open(new ByteArrayInputStream(bytes), "stream")) {
            assertThat(mapped).hasSize(count).isEqualTo(readAll(s));
        }
        try (PacketSource s = PcapFile.open(new FileInputStream(p.toFile()), "file stream")) {
            assertThat(mapped).isEqualTo(readAll(s));
        }
        // the read-ahead threads are daemons and end by themselves once their window is faulted in
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().equals(MappedInput.READ_AHEAD_THREAD)) {
                assertThat(t.isDaemon()).isTrue();
                t.join();
            }
        }
    }

    @Test
    void readsFramesBeyondTwoGibibytesOfASparseFile() throws IOException {
        long gap = 0x9000_0000L; // 2.25 GiB skipped block
        Captures.Pcapng head = new Captures.Pcapng().section(ByteOrder.LITTLE_ENDIAN)
                .iface(LinkType.RAW, 0, null, null).epb(0, 1, payload(1, 40), 40);
        byte[] start = head.bytes();
        ByteBuffer skipHeader = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putInt(0x7777).putInt((int) gap);
        ByteBuffer skipTrailer = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt((int) gap);
        byte[] tail = new Captures.Pcapng().section(ByteOrder.LITTLE_ENDIAN).iface(LinkType.RAW, 0, null, null)
                .epb(0, 2, payload(2, 50), 50).bytes();
        Path p = dir.resolve("sparse.pcapng");
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
            f.write(start);
            f.write(skipHeader.array());
            f.seek(start.length + gap - 4);
            f.write(skipTrailer.array());
            f.write(tail);
        }
        assertThat(Files.size(p)).isGreaterThan(1L << 31);
        try (PacketSource s = PcapFile.open(p)) {
            assertThat(readAll(s)).containsExactly(
                    new Frame(1000, LinkType.RAW, payload(1, 40), 40),
                    new Frame(2000, LinkType.RAW, payload(2, 50), 50));
        }
    }

    @Test
    void readsSeveralFilesAsOneTimelineInTheGivenOrder() throws IOException {
        Path a = write("a.pcap", new Captures.Pcap(ByteOrder.LITTLE_ENDIAN, false, 65535, LinkType.ETHERNET)
                .record(T0, payload(1, 30), 30).record(T0 + 1000, payload(2, 30), 30).bytes());
        Path b = write("b.pcapng", new Captures.Pcapng().section(ByteOrder.BIG_ENDIAN)
                .iface(LinkType.RAW, 0, null, null).epb(0, 5, payload(3, 20), 20).bytes());
        Path c = write("c.pcap.gz", gzip(new Captures.Pcap(ByteOrder.BIG_ENDIAN, true, 65535, LinkType.NULL)
                .record(T0 + 7, payload(4, 10), 12).bytes()));
        try (PacketSource s = PcapFile.open(List.of(a, b, c))) {
            assertThat(s.name()).isEqualTo(a.toString());
            List<Frame> frames = readAll(s);
            assertThat(frames).extracting(Frame::linkType)
                    .containsExactly(LinkType.ETHERNET, LinkType.ETHERNET, LinkType.RAW, LinkType.NULL);
            assertThat(frames).extracting(Frame::timestampNanos)
                    .containsExactly(T0 - T0 % 1000, T0 - T0 % 1000 + 1000, 5000L, T0 + 7);
            assertThat(s.stats()).isEqualTo(new SourceStats(4, 90, 1, 0, 0));
            assertThat(s.poll(new Captures.Recorder(), 1)).isEqualTo(PacketSource.END_OF_INPUT);
        }
    }

    @Test
    void readsANamedPipeAsAStream() throws Exception {
        byte[] pcap = new Captures.Pcap(ByteOrder.LITTLE_ENDIAN, false, 65535, LinkType.ETHERNET)
                .record(T0, payload(1, 300), 300).record(T0 + 1000, payload(2, 30), 30).bytes();
        Path fifo = dir.resolve("pipe");
        Process mkfifo = new ProcessBuilder("mkfifo", fifo.toString()).start();
        org.junit.jupiter.api.Assumptions.assumeTrue(mkfifo.waitFor() == 0, "mkfifo is not available");
        Thread writer = new Thread(() -> {
            try {
                Files.write(fifo, pcap);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        writer.start();
        try (PacketSource s = PcapFile.open(fifo)) {
            assertThat(readAll(s)).extracting(Frame::wireLength).containsExactly(300, 30);
        }
        writer.join();
    }

    @Test
    void pollsAtMostMaxFramesAndEndsForGoodAfterClose() throws IOException {
        Captures.Pcap pcap = new Captures.Pcap(ByteOrder.LITTLE_ENDIAN, false, 65535, LinkType.ETHERNET);
        for (int k = 0; k < 10; k++) {
            pcap.record(T0, payload(k, 10), 10);
        }
        try (PacketSource s = PcapFile.open(write("ten.pcap", pcap.bytes()))) {
            Captures.Recorder r = new Captures.Recorder();
            List<Integer> returns = new ArrayList<>();
            int n;
            while ((n = s.poll(r, 4)) != PacketSource.END_OF_INPUT) {
                returns.add(n);
            }
            assertThat(returns).containsExactly(4, 4, 2);
            assertThatThrownBy(() -> s.poll(r, 0)).isInstanceOf(IllegalArgumentException.class);
            s.close();
            assertThat(s.poll(r, 4)).isEqualTo(PacketSource.END_OF_INPUT);
        }
    }
}
