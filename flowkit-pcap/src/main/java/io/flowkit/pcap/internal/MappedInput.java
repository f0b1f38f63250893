package io.flowkit.pcap.internal;

import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
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
 *
 * <p><b>Read-ahead.</b> The first read of each page of a mapping is a page fault, even when the
 * file is in the page cache: the kernel maps 64 KiB per fault, and on a 1.6 GB capture the
 * reading thread spent about 0.1 s (30 ns per 550-byte packet, a tenth of its time) in them. So
 * a window of at least {@value #READ_AHEAD_MIN_BYTES} bytes is faulted in by a short-lived daemon
 * thread ({@link MappedByteBuffer#load()}, which also asks the kernel to read a file that is not
 * cached yet), started when the window is mapped; it runs ahead of the reader, which then finds
 * the pages mapped. The reader never waits for it, and if it fails (the file shrank under the
 * mapping) the reader meets the same fault where it reads and reports it as before. Smaller
 * windows cost less to fault than a thread costs to start.
 */
public final class MappedInput extends Input {
    /** Default window size. */
    public static final int DEFAULT_WINDOW = 256 << 20;
    /** Smallest window that a read-ahead thread faults in. */
    public static final int READ_AHEAD_MIN_BYTES = 16 << 20;
    /** Name of the read-ahead threads. */
    public static final String READ_AHEAD_THREAD = "flowkit-read-ahead";

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
            MappedByteBuffer mapped = channel.map(FileChannel.MapMode.READ_ONLY, position, mapSize);
            mapped.order(ByteOrder.BIG_ENDIAN);
            buffer = mapped;
            base = position;
            windowEnd = position + mapSize;
            if (mapSize >= READ_AHEAD_MIN_BYTES) {
                readAhead(mapped);
            }
        }
        return true;
    }

    /** Starts a daemon thread that faults in every page of {@code window}. */
    private static void readAhead(MappedByteBuffer window) {
        Thread t = new Thread(() -> load(window), READ_AHEAD_THREAD);
        t.setDaemon(true);
        try {
            t.start();
        } catch (OutOfMemoryError e) {
            // no thread to spare: the reader faults the pages in itself, as without read-ahead
        }
    }

    private static void load(MappedByteBuffer window) {
        try {
            window.load();
        } catch (RuntimeException | InternalError e) {
            // the reader meets the same fault when it reaches the page, and reports it
        }
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
