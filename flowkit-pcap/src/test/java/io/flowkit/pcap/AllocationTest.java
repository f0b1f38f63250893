package io.flowkit.pcap;

import static org.assertj.core.api.Assertions.assertThat;

import io.flowkit.FrameHandler;
import io.flowkit.LinkType;
import io.flowkit.PacketSource;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Proves the reader allocates nothing per frame: a file of 100 000 frames is read once to warm
 * up, then again while the thread's allocated bytes are measured; opening the source is
 * included, so the bound of one byte per frame also covers the per-file objects.
 */
class AllocationTest {
    private static final int FRAMES = 100_000;
    private static final FrameHandler NOTHING = (ts, lt, buffer, offset, caplen, wirelen) -> { };

    @TempDir
    static Path dir;
    private static Path pcap;
    private static Path pcapng;

    @BeforeAll
    static void writeCaptures() throws IOException {
        Captures.Pcap p = new Captures.Pcap(ByteOrder.LITTLE_ENDIAN, false, 65535, LinkType.ETHERNET);
        Captures.Pcapng ng = new Captures.Pcapng().section(ByteOrder.LITTLE_ENDIAN)
                .iface(LinkType.ETHERNET, 0, null, null).iface(LinkType.RAW, 0, 9, null);
        for (int k = 0; k < FRAMES; k++) {
            byte[] data = Captures.payload(k, 60 + k % 200);
            p.record(1_700_000_000_000_000_000L + k * 1000L, data, data.length);
            ng.epb(k & 1, 1_700_000_000_000_000L + k, data, data.length + (k % 3));
        }
        pcap = dir.resolve("100k.pcap");
        pcapng = dir.resolve("100k.pcapng");
        Files.write(pcap, p.bytes());
        Files.write(pcapng, ng.bytes());
    }

    private interface Opener {
        PacketSource open() throws IOException;
    }

    private static long bytesPerPass(Opener opener) throws IOException {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long thread = Thread.currentThread().getId();
        readAll(opener);
        long before = threads.getThreadAllocatedBytes(thread);
        long frames = readAll(opener);
        long allocated = threads.getThreadAllocatedBytes(thread) - before;
        assertThat(frames).isEqualTo(FRAMES);
        return allocated;
    }

    private static long readAll(Opener opener) throws IOException {
        try (PacketSource s = opener.open()) {
            while (s.poll(NOTHING, 256) != PacketSource.END_OF_INPUT) {
                // drain
            }
            return s.stats().frames();
        }
    }

    @Test
    void readsMappedPcapWithLessThanOneByteAllocatedPerFrame() throws IOException {
        assertThat(bytesPerPass(() -> PcapFile.open(pcap))).isLessThan(FRAMES);
    }

    @Test
    void readsMappedPcapngWithLessThanOneByteAllocatedPerFrame() throws IOException {
        assertThat(bytesPerPass(() -> PcapFile.open(pcapng))).isLessThan(FRAMES);
    }

    @Test
    void readsStreamWithLessThanOneByteAllocatedPerFrameAfterOpening() throws IOException {
        // a stream source owns two 64 KiB buffers from the start; what is measured is the reading
        byte[] bytes = Files.readAllBytes(pcapng);
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long thread = Thread.currentThread().getId();
        readAll(() -> PcapFile.open(new ByteArrayInputStream(bytes), "-"));
        try (PacketSource s = PcapFile.open(new ByteArrayInputStream(bytes), "-")) {
            long before = threads.getThreadAllocatedBytes(thread);
            while (s.poll(NOTHING, 256) != PacketSource.END_OF_INPUT) {
                // drain
            }
            long allocated = threads.getThreadAllocatedBytes(thread) - before;
            assertThat(s.stats().frames()).isEqualTo(FRAMES);
            assertThat(allocated).isLessThan(FRAMES);
        }
    }
}
