package io.flowkit.pcap.internal;

import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A regular file read through read-only memory mappings, one window at a time.
 *
 * <p>Idea: a {@code MappedByteBuffer} is limited to 2 GiB, so the file is mapped in windows
 * (256 MiB by default). When a fetch reaches past the current window, a new window is mapped
 * starting at the fetched offset, so a record that crosses the old window's edge is whole in the
 * new one. Fetches are at most {@link Input#MAX_FETCH} bytes, far below the window size, so one
 * remap always suffices. Cost: one mapping object per window, nothing per record; old windows
 * are unmapped when the collector frees them.
 */
public final class MappedInput extends Input {
    /** Default window size. */
    public static final int DEFAULT_WINDOW = 256 << 20;

    private final FileChannel channel;
    private final long size;
    private final int window;
    /** File offset just past the current window. */
    private long windowEnd;

    /**
     * Opens {@code path} for mapping.
     *
     * @param path   a regular file
     * @param window window size in bytes, at least {@link Input#MAX_FETCH}
     * @throws IOException if the file cannot be opened
     */
    public MappedInput(Path path, int window) throws IOException {
        if (window < MAX_FETCH) {
            throw new IllegalArgumentException("window " + window + " < " + MAX_FETCH);
        }
        this.channel = FileChannel.open(path, StandardOpenOption.READ);
        this.size = channel.size();
        this.window = window;
    }

    @Override
    public boolean fetch(long position, int length) throws IOException {
        long last = position + length;
        if (last > size) {
            return false;
        }
        if (buffer == null || position < base || last > windowEnd) {
            long mapSize = Math.min(window, size - position);
            buffer = channel.map(FileChannel.MapMode.READ_ONLY, position, mapSize).order(ByteOrder.BIG_ENDIAN);
            base = position;
            windowEnd = position + mapSize;
        }
        return true;
    }

    @Override
    public long end() {
        return size;
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
