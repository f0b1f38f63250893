package io.flowkit.pcap.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StreamInputTest {
    @TempDir
    Path dir;

    /** A stream that hands out at most a few bytes per read, as a slow pipe does. */
    private static final class Trickle extends InputStream {
        private final InputStream in;
        private final SplittableRandom random;

        Trickle(byte[] bytes, long seed) {
            this.in = new ByteArrayInputStream(bytes);
            this.random = new SplittableRandom(seed);
        }

        @Override
        public int read() throws IOException {
            return in.read();
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            return in.read(b, off, Math.min(len, 1 + random.nextInt(3000)));
        }
    }

    private static byte[] content(int length, long seed) {
        byte[] bytes = new byte[length];
        new SplittableRandom(seed).nextBytes(bytes);
        return bytes;
    }

    /**
     * Fetches forward through {@code bytes} as the readers do (starts never move back, lengths up
     * to MAX_FETCH, some fetches again inside the last range, some skipping ahead) and checks
     * every fetched range against the content; the last fetches run past the end.
     */
    private static void readsExactly(Input input, byte[] bytes, long seed) throws IOException {
        SplittableRandom random = new SplittableRandom(seed);
        long position = 0;
        int fetches = 0;
        while (true) {
            int length = random.nextInt(10) == 0 ? random.nextInt(Input.MAX_FETCH + 1) : random.nextInt(2000);
            boolean ok = input.fetch(position, length);
            if (position + length > bytes.length) {
                assertThat(ok).as("fetch %d+%d past the end %d", position, length, bytes.length).isFalse();
                assertThat(input.end()).isEqualTo(bytes.length);
                break;
            }
            assertThat(ok).as("fetch %d+%d", position, length).isTrue();
            ByteBuffer b = input.buffer();
            int at = input.index(position);
            for (int i = 0; i < length; i++) {
                if (b.get(at + i) != bytes[(int) position + i]) {
                    throw new AssertionError("byte " + (position + i) + " differs after " + fetches + " fetches");
                }
            }
            fetches++;
            int step = random.nextInt(16);
            if (step == 0) {
                // again, or later inside the fetched range
                position += random.nextInt(length + 1);
            } else if (step == 1) {
                position += length + random.nextInt(2 * Input.MAX_FETCH);
            } else {
                position += length;
            }
        }
        assertThat(fetches).isGreaterThan(50);
    }

    @Test
    void aFileStreamReadThroughItsChannelGivesExactlyItsBytes() throws IOException {
        byte[] bytes = content(3_000_000, 1);
        Path file = Files.write(dir.resolve("bytes"), bytes);
        for (long seed = 1; seed <= 3; seed++) {
            try (StreamInput input = new StreamInput(new FileInputStream(file.toFile()))) {
                readsExactly(input, bytes, seed);
            }
        }
    }

    @Test
    void aTricklingStreamGivesExactlyItsBytes() throws IOException {
        byte[] bytes = content(3_000_000, 2);
        for (long seed = 1; seed <= 3; seed++) {
            try (StreamInput input = new StreamInput(new Trickle(bytes, seed))) {
                readsExactly(input, bytes, seed + 10);
            }
        }
    }

    @Test
    void bytesReadBeforeComeFirst() throws IOException {
        byte[] bytes = content(3_000_000, 3);
        Path file = Files.write(dir.resolve("bytes"), bytes);
        byte[] head = {bytes[0], bytes[1]};
        FileInputStream in = new FileInputStream(file.toFile());
        assertThat(in.skip(2)).isEqualTo(2);
        try (StreamInput input = new StreamInput(in, head, 2)) {
            readsExactly(input, bytes, 4);
        }
        try (StreamInput input = new StreamInput(new ByteArrayInputStream(bytes, 2, bytes.length - 2), head, 2)) {
            readsExactly(input, bytes, 5);
        }
    }

    @Test
    void handsOutReadOnlyBuffersOfTheClassOfAReadOnlyMapping() throws IOException {
        Path file = Files.write(dir.resolve("bytes"), content(100, 4));
        Class<?> mapped;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            mapped = ch.map(FileChannel.MapMode.READ_ONLY, 0, 100).getClass();
        }
        try (StreamInput input = new StreamInput(new FileInputStream(file.toFile()))) {
            assertThat(input.fetch(0, 100)).isTrue();
            assertThat(input.buffer().isReadOnly()).isTrue();
            assertThat(input.buffer().getClass()).isSameAs(mapped);
        }
        try (StreamInput input = new StreamInput(new ByteArrayInputStream(new byte[100]))) {
            assertThat(input.fetch(0, 100)).isTrue();
            assertThat(input.buffer().isReadOnly()).isTrue();
            assertThat(input.buffer().getClass()).isSameAs(mapped);
        }
    }

    @Test
    void refusesToFetchBackwardsOrMoreThanTheLargestRange() throws IOException {
        try (StreamInput input = new StreamInput(new ByteArrayInputStream(new byte[1000]))) {
            assertThat(input.fetch(100, 10)).isTrue();
            assertThatThrownBy(() -> input.fetch(50, 10)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> input.fetch(100, Input.MAX_FETCH + 1)).isInstanceOf(IllegalArgumentException.class);
            assertThat(input.fetch(990, 11)).isFalse();
            assertThat(input.end()).isEqualTo(1000);
            assertThat(input.fetch(990, 10)).isTrue();
        }
    }
}
