package io.flowkit.bench.gen;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.sql.Timestamp;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pcap4j.core.PcapHandle;
import org.pcap4j.core.PcapHandle.TimestampPrecision;
import org.pcap4j.core.Pcaps;
import org.pcap4j.packet.namednumber.DataLinkType;

class PcapWriterTest {
    @TempDir
    Path dir;

    @Test
    void writesNanosecondHeaderAndRecordsLittleEndian() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (PcapWriter w = new PcapWriter(bytes, 65_535)) {
            w.write(1_767_225_600_123_456_789L, new byte[] {9, 8, 7, 6, 5}, 1, 3);
        }
        ByteBuffer b = ByteBuffer.wrap(bytes.toByteArray()).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(b.limit()).isEqualTo(24 + 16 + 3);
        assertThat(b.getInt(0)).isEqualTo(0xA1B23C4D);
        assertThat(b.getShort(4)).isEqualTo((short) 2);
        assertThat(b.getShort(6)).isEqualTo((short) 4);
        assertThat(b.getInt(8)).isZero();
        assertThat(b.getInt(12)).isZero();
        assertThat(b.getInt(16)).isEqualTo(65_535);
        assertThat(b.getInt(20)).isEqualTo(1);
        assertThat(b.getInt(24)).isEqualTo(1_767_225_600);
        assertThat(b.getInt(28)).isEqualTo(123_456_789);
        assertThat(b.getInt(32)).isEqualTo(3);
        assertThat(b.getInt(36)).isEqualTo(3);
        assertThat(new byte[] {b.get(40), b.get(41), b.get(42)}).containsExactly(8, 7, 6);
    }

    @Test
    void libpcapReadsEveryFrameWithItsNanosecondTimestamp() throws Exception {
        Path file = dir.resolve("w.pcap");
        byte[] frame = new byte[1500];
        try (PcapWriter w = new PcapWriter(file, 65_535)) {
            for (int i = 0; i < 3000; i++) {   // more than one 1 MiB buffer
                frame[0] = (byte) i;
                w.write(1_000_000_000L * i + i, frame, 0, 60 + i % 1400);
            }
            assertThat(w.frames()).isEqualTo(3000);
        }
        PcapHandle handle = Pcaps.openOffline(file.toString(), TimestampPrecision.NANO);
        try {
            assertThat(handle.getDlt()).isEqualTo(DataLinkType.EN10MB);
            for (int i = 0; i < 3000; i++) {
                byte[] read = handle.getNextRawPacketEx();
                assertThat(read).hasSize(60 + i % 1400);
                assertThat(read[0]).isEqualTo((byte) i);
                Timestamp ts = handle.getTimestamp();
                assertThat(ts.getTime() / 1000).isEqualTo(i);
                assertThat(ts.getNanos()).isEqualTo(i);
            }
            assertThatThrownBy(handle::getNextRawPacketEx).isInstanceOf(java.io.EOFException.class);
        } finally {
            handle.close();
        }
    }

    @Test
    void rejectsFramesLongerThanTheSnapLength() throws IOException {
        try (PcapWriter w = new PcapWriter(new ByteArrayOutputStream(), 100)) {
            assertThatThrownBy(() -> w.write(0, new byte[101], 0, 101)).hasMessageContaining("frame length");
            assertThatThrownBy(() -> w.write(-1, new byte[10], 0, 10)).hasMessageContaining("negative");
        }
    }
}
