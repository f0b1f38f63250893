package io.flowkit.pcap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.flowkit.FrameHandler;
import io.flowkit.LinkType;
import io.flowkit.PacketSource;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Proves filtering allocates nothing per frame once each link type's program is compiled: a
 * warm pass, then a measured pass over 100 000 frames, must allocate less than one byte per
 * frame in total (opening the file and the wrapper included), for a plain filter and for one
 * whose program uses scratch memory.
 */
class BpfFilterAllocationTest {
    private static final int FRAMES = 100_000;
    private static final FrameHandler NOTHING = (ts, lt, buffer, offset, caplen, wirelen) -> { };
    /** tcpdump's manual: HTTP packets with data; its program keeps lengths in scratch memory. */
    private static final String WITH_SCRATCH =
            "tcp port 80 and (((ip[2:2] - ((ip[0]&0xf)<<2)) - ((tcp[12]&0xf0)>>2)) != 0)";

    @TempDir
    static Path dir;
    private static Path pcap;
    private static ByteBuffer[] frames;

    @BeforeAll
    static void writeCapture() throws IOException {
        try {
            BpfFilter.compile("tcp");
        } catch (IllegalStateException e) {
            assumeTrue(false, "libpcap is not available: " + e.getMessage());
        }
        Captures.Pcap p = new Captures.Pcap(ByteOrder.LITTLE_ENDIAN, false, 65535, LinkType.ETHERNET);
        frames = new ByteBuffer[64];
        for (int k = 0; k < FRAMES; k++) {
            byte[] ip = BpfFilterTest.ipv4(k % 3 != 0, 40000 + k % 50, k % 4 == 0 ? 80 : 443, k % 5 * 10);
            byte[] frame = BpfFilterTest.ethernet(new byte[] {0, 1, 2, 3, 4, (byte) k}, ip);
            p.record(1_700_000_000_000_000_000L + k * 1000L, frame, frame.length);
            if (k < frames.length) {
                frames[k] = ByteBuffer.wrap(frame);
            }
        }
        pcap = dir.resolve("100k.pcap");
        Files.write(pcap, p.bytes());
    }

    private static long allocatedBytes() {
        return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean())
                .getThreadAllocatedBytes(Thread.currentThread().getId());
    }

    private static long[] filterFile(BpfFilter filter) throws IOException {
        try (PacketSource s = filter.filter(PcapFile.open(pcap))) {
            while (s.poll(NOTHING, 256) != PacketSource.END_OF_INPUT) {
                // drain
            }
            return new long[] {s.stats().frames(), s.stats().filtered()};
        }
    }

    private static void assertFilteringAFileAllocatesNothingPerFrame(String expression) throws IOException {
        BpfFilter filter = BpfFilter.compile(expression);
        filterFile(filter);
        long before = allocatedBytes();
        long[] counts = filterFile(filter);
        long allocated = allocatedBytes() - before;
        assertThat(counts[0]).as("frames that passed").isPositive();
        assertThat(counts[1]).as("frames filtered out").isPositive();
        assertThat(counts[0] + counts[1]).isEqualTo(FRAMES);
        assertThat(allocated).as("bytes allocated for %d frames", FRAMES).isLessThan(FRAMES);
    }

    @Test
    void filtersAFileWithLessThanOneByteAllocatedPerFrame() throws IOException {
        assertFilteringAFileAllocatesNothingPerFrame("tcp port 80 or udp dst port 443");
    }

    @Test
    void filtersWithScratchMemoryWithLessThanOneByteAllocatedPerFrame() throws IOException {
        assertFilteringAFileAllocatesNothingPerFrame(WITH_SCRATCH);
    }

    @Test
    void matchesWithLessThanOneByteAllocatedPerCall() {
        BpfFilter filter = BpfFilter.compile(WITH_SCRATCH);
        int passed = 0;
        for (int round = 0; round < 2; round++) {
            long before = allocatedBytes();
            passed = 0;
            for (int k = 0; k < FRAMES; k++) {
                ByteBuffer f = frames[k & 63];
                if (filter.matches(LinkType.ETHERNET, f, 0, f.capacity(), f.capacity())) {
                    passed++;
                }
            }
            if (round == 1) {
                assertThat(allocatedBytes() - before).isLessThan(FRAMES);
            }
        }
        assertThat(passed).isPositive().isLessThan(FRAMES);
    }
}
