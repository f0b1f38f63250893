package io.flowkit.pcap.internal;

import io.flowkit.CaptureFormatException;
import io.flowkit.PacketSource;
import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Recognises a capture by its first bytes and builds the matching reader: pcap (micro- and
 * nanosecond and the patched format, each in both byte orders), pcapng (the section header block type), or gzip
 * ({@code 1f 8b}), which is decompressed as a stream and recognised again.
 */
public final class Formats {
    private static final int STREAM_BUFFER = 64 << 10;

    private Formats() {
    }

    /**
     * Opens a file: a regular file memory-mapped, or as a stream if it is gzip-compressed or not
     * a regular file (a named pipe, {@code /dev/stdin}, a process substitution).
     *
     * @param path   the file
     * @param window mapping window size
     * @return the reader
     * @throws IOException if the file cannot be opened or is not a capture
     */
    public static PacketSource open(Path path, int window) throws IOException {
        String name = path.toString();
        if (!Files.isRegularFile(path)) {
            // FileInputStream, not Files.newInputStream: the latter's available() seeks, which
            // fails on pipes
            InputStream in = new FileInputStream(path.toFile());
            try {
                return open(in, name);
            } catch (IOException | RuntimeException e) {
                in.close();
                throw e;
            }
        }
        MappedInput mapped = new MappedInput(path, window);
        boolean gzip = false;
        try {
            gzip = isGzip(mapped);
            if (!gzip) {
                return recognise(mapped, name);
            }
        } catch (IOException | RuntimeException e) {
            mapped.close();
            throw e;
        } finally {
            if (gzip) {
                mapped.close();
            }
        }
        InputStream file = Files.newInputStream(path);
        try {
            return gunzip(file, name);
        } catch (IOException | RuntimeException e) {
            file.close();
            throw e;
        }
    }

    /**
     * Opens a stream, decompressing it if it is gzip.
     *
     * @param in   the stream; the reader owns it
     * @param name name for messages
     * @return the reader
     * @throws IOException if reading fails or the stream is not a capture
     */
    public static PacketSource open(InputStream in, String name) throws IOException {
        byte[] head = new byte[2];
        int got = in.readNBytes(head, 0, head.length);
        if (got == 2 && (head[0] & 0xFF) == 0x1F && (head[1] & 0xFF) == 0x8B) {
            return gunzip(new SequenceInputStream(new ByteArrayInputStream(head), in), name);
        }
        return recognise(new StreamInput(in, head, got), name);
    }

    private static PacketSource gunzip(InputStream compressed, String name) throws IOException {
        GZIPInputStream gz;
        try {
            gz = new GZIPInputStream(compressed, STREAM_BUFFER);
        } catch (ZipException | EOFException e) {
            throw new CaptureFormatException(name, 0, "damaged gzip header: " + e.getMessage());
        }
        return recognise(new StreamInput(new GzipGuard(gz, name)), name);
    }

    private static boolean isGzip(Input input) throws IOException {
        if (!input.fetch(0, 2)) {
            return false;
        }
        int i = input.index(0);
        return (input.buffer().get(i) & 0xFF) == 0x1F && (input.buffer().get(i + 1) & 0xFF) == 0x8B;
    }

    private static PacketSource recognise(Input input, String name) throws IOException {
        try {
            if (!input.fetch(0, 4)) {
                long length = input.end();
                throw new CaptureFormatException(name, 0, length == 0 ? "empty input, not a capture"
                        : "only " + length + " bytes, not a capture");
            }
            int magic = input.buffer().getInt(input.index(0));
            if (magic == PcapngReader.SHB) {
                return PcapngReader.open(input, name);
            }
            if (PcapReader.isMagic(magic)) {
                return PcapReader.open(input, name);
            }
            throw new CaptureFormatException(name, 0,
                    String.format("not a pcap or pcapng capture (starts with 0x%08x)", magic));
        } catch (IOException | RuntimeException e) {
            input.close();
            throw e;
        }
    }
}
