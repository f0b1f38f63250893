package io.flowkit.pcap.internal;

import io.flowkit.FrameHandler;
import io.flowkit.PacketSource;
import io.flowkit.SourceStats;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Several capture files read one after another as one source, in the order given. Each file is
 * opened when the previous one is exhausted and closed then, so only one is open at a time; the
 * first is opened by the constructor so that a wrong first file fails at once.
 */
public final class SequenceSource implements PacketSource {
    private final List<Path> files;
    private final int window;
    private int next;
    private PacketSource current;
    private SourceStats finished = SourceStats.EMPTY;

    /**
     * Opens the first file.
     *
     * @param files  at least one file
     * @param window mapping window size
     * @throws IOException if the first file cannot be opened or is not a capture
     */
    public SequenceSource(List<Path> files, int window) throws IOException {
        this.files = List.copyOf(files);
        this.window = window;
        this.current = Formats.open(this.files.get(0), window);
        this.next = 1;
    }

    @Override
    public int poll(FrameHandler handler, int maxFrames) throws IOException {
        while (current != null) {
            int n = current.poll(handler, maxFrames);
            if (n != END_OF_INPUT) {
                return n;
            }
            PacketSource done = current;
            current = null;
            finished = finished.plus(done.stats());
            done.close();
            if (next < files.size()) {
                current = Formats.open(files.get(next++), window);
            }
        }
        return END_OF_INPUT;
    }

    @Override
    public String name() {
        return current != null ? current.name() : files.get(files.size() - 1).toString();
    }

    @Override
    public SourceStats stats() {
        return current != null ? finished.plus(current.stats()) : finished;
    }

    @Override
    public void close() throws IOException {
        if (current != null) {
            PacketSource c = current;
            current = null;
            finished = finished.plus(c.stats());
            c.close();
        }
        next = files.size();
    }
}
