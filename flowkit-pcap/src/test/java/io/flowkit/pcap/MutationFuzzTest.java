package io.flowkit.pcap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.flowkit.CaptureFormatException;
import io.flowkit.FrameHandler;
import io.flowkit.PacketSource;
import io.flowkit.pcap.internal.Formats;
import io.flowkit.pcap.internal.Limits;
import java.io.ByteArrayInputStream;
import java.io.FileInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Seeded mutation fuzzing over the conformance traces: bytes are flipped, inserted, overwritten
 * with extreme 32-bit values, or cut off, and each mutant is read to its end through the stream
 * path, and every eighth one also through a small-window mapping. The only exception allowed to
 * escape is {@link CaptureFormatException}; every poll must make progress, so a mutant can be
 * polled at most once per 8 bytes before it ends. Seeds are fixed, so a failure names its
 * reproducible case.
 */
class MutationFuzzTest {
    private static final long SEED = 0x5EED_F10BL;
    private static final int MUTANTS = 20_000;
    private static final int MAX_TRACE_BYTES = 256 << 10;

    @TempDir
    Path dir;

    private static final FrameHandler CHECKING = (ts, lt, buffer, offset, caplen, wirelen) -> {
        if (offset < 0 || caplen < 0 || offset + caplen > buffer.capacity() || wirelen < caplen
                || caplen > Limits.MAX_CAPTURE_LENGTH) {
            throw new AssertionError("bad frame bounds " + offset + "+" + caplen + " of " + buffer.capacity());
        }
        if (caplen > 0) {
            buffer.get(offset + caplen - 1);
        }
    };

    private static List<byte[]> seeds() throws IOException {
        List<byte[]> traces = new ArrayList<>();
        try (Stream<Path> files = Files.list(ConformanceTracesTest.TRACES)) {
            for (Path p : files.sorted().toList()) {
                if (Files.size(p) <= MAX_TRACE_BYTES) {
                    traces.add(Files.readAllBytes(p));
                }
            }
        }
        // the corpus has few pcapng files and no simple or obsolete packet blocks: add one with all
        traces.add(new Captures.Pcapng()
                .section(java.nio.ByteOrder.LITTLE_ENDIAN)
                .iface(io.flowkit.LinkType.ETHERNET, 96, null, null).iface(io.flowkit.LinkType.RAW, 0, 0x80 | 30, 5L)
                .block(4, Captures.payload(1, 24)).epb(0, 1, Captures.payload(2, 80), 80).spb(Captures.payload(3, 120), 120)
                .opb(1, 1L << 40, Captures.payload(4, 40), 40).block(5, Captures.payload(5, 16))
                .section(java.nio.ByteOrder.BIG_ENDIAN).iface(io.flowkit.LinkType.LINUX_SLL, 0, 9, null)
                .epb(0, 7, Captures.payload(6, 44), 60).spb(Captures.payload(7, 8), 8)
                .bytes());
        return traces;
    }

    @Test
    void damagedTracesEndCleanlyOrWithCaptureFormatExceptionOnly() throws IOException {
        assumeTrue(Files.isDirectory(ConformanceTracesTest.TRACES),
                "conformance corpus not found at " + ConformanceTracesTest.TRACES.toAbsolutePath());
        List<byte[]> traces = seeds();
        assertThat(traces).isNotEmpty();
        SplittableRandom random = new SplittableRandom(SEED);
        int rejected = 0;
        for (int k = 0; k < MUTANTS; k++) {
            // one mutant in four from the synthetic pcapng, the last seed
            int which = k % 4 == 0 ? traces.size() - 1 : random.nextInt(traces.size());
            byte[] mutated = mutate(traces.get(which), random);
            if (k % 16 == 15) {
                mutated = gzip(mutated);
                if (random.nextBoolean()) {
                    mutated = mutate(mutated, random);
                }
            }
            byte[] mutant = mutated;
            String label = "mutant " + k + " of trace #" + which + " (seed " + SEED + ")";
            try {
                rejected += readToEnd(() -> PcapFile.open(new ByteArrayInputStream(mutant), "-"), mutant.length, label);
                if (k % 8 == 0) {
                    Path p = dir.resolve("m.cap");
                    Files.write(p, mutant);
                    readToEnd(() -> Formats.open(p, Limits.MAX_BLOCK_BYTES), mutant.length, label);
                    readToEnd(() -> PcapFile.open(new FileInputStream(p.toFile()), "-"), mutant.length, label);
                }
            } catch (RuntimeException | IOException e) {
                throw new AssertionError(label + ": " + e, e);
            }
        }
        // the mutations must reach the error paths, not only the happy path
        assertThat(rejected).isBetween(MUTANTS / 20, MUTANTS - MUTANTS / 20);
    }

    private interface Opener {
        PacketSource open() throws IOException;
    }

    /** Returns 1 if the reader rejected the mutant, 0 if it read it to the end. */
    private static int readToEnd(Opener opener, int length, String label) throws IOException {
        try (PacketSource s = opener.open()) {
            int polls = 0;
            while (s.poll(CHECKING, 5) != PacketSource.END_OF_INPUT) {
                if (++polls > length / 8 + 2) {
                    throw new AssertionError(label + ": reader does not end");
                }
            }
            assertThat(s.stats().frames()).isLessThanOrEqualTo(length / 12);
            return 0;
        } catch (CaptureFormatException e) {
            assertThat(e.offset()).isLessThanOrEqualTo(Math.max(length, 1) * 64L);
            return 1;
        }
    }

    private static byte[] mutate(byte[] original, SplittableRandom random) {
        byte[] b = original.clone();
        int edits = 1 + random.nextInt(4);
        for (int e = 0; e < edits && b.length > 0; e++) {
            int at = random.nextInt(b.length);
            switch (random.nextInt(5)) {
                case 0 -> b[at] ^= (byte) (1 << random.nextInt(8));
                case 1 -> {
                    byte[] inserted = new byte[1 + random.nextInt(8)];
                    random.nextBytes(inserted);
                    byte[] grown = new byte[b.length + inserted.length];
                    System.arraycopy(b, 0, grown, 0, at);
                    System.arraycopy(inserted, 0, grown, at, inserted.length);
                    System.arraycopy(b, at, grown, at + inserted.length, b.length - at);
                    b = grown;
                }
                case 2 -> {
                    if (at + 4 <= b.length) {
                        int[] extremes = {0, -1, Integer.MAX_VALUE, Integer.MIN_VALUE, 4, 12, 13, 16, 20, 28, 32, 262_145, 0x00_04_00_00};
                        // mostly at 4-byte boundaries, where pcap and pcapng keep their lengths
                        int field = random.nextBoolean() ? (at & ~3) : at;
                        ByteBuffer.wrap(b).putInt(field, extremes[random.nextInt(extremes.length)]);
                    }
                }
                case 3 -> b = Arrays.copyOf(b, at);
                default -> b[at] = (byte) random.nextInt(256);
            }
        }
        return b;
    }

    private static byte[] gzip(byte[] bytes) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(bytes);
        }
        return out.toByteArray();
    }
}
