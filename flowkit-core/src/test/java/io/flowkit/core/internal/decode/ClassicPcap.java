package io.flowkit.core.internal.decode;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A minimal classic-pcap reader for tests (core must not depend on flowkit-pcap): the whole file
 * in one buffer and the index of every record. pcapng files are not read.
 */
public final class ClassicPcap {
    /** One record: where its bytes are in {@link #buffer} and its header fields. */
    public record Frame(long tsNanos, int offset, int caplen, int wirelen) {
    }

    public final ByteBuffer buffer;
    public final int linkType;
    public final List<Frame> frames;

    private ClassicPcap(ByteBuffer buffer, int linkType, List<Frame> frames) {
        this.buffer = buffer;
        this.linkType = linkType;
        this.frames = frames;
    }

    static boolean isClassic(Path file) throws IOException {
        byte[] head = new byte[4];
        try (var in = Files.newInputStream(file)) {
            if (in.read(head) != 4) {
                return false;
            }
        }
        int magic = ByteBuffer.wrap(head).getInt();
        return magic == 0xA1B2C3D4 || magic == 0xD4C3B2A1 || magic == 0xA1B23C4D || magic == 0x4D3CB2A1;
    }

    public static ClassicPcap read(Path file) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file));
        int magic = b.getInt(0);
        boolean swapped = magic == 0xD4C3B2A1 || magic == 0x4D3CB2A1;
        boolean nanos = magic == 0xA1B23C4D || magic == 0x4D3CB2A1;
        if (!swapped && magic != 0xA1B2C3D4 && magic != 0xA1B23C4D) {
            throw new IOException(file + ": not a classic pcap file");
        }
        b.order(swapped ? ByteOrder.LITTLE_ENDIAN : ByteOrder.BIG_ENDIAN);
        int linkType = b.getInt(20) & 0x0FFF_FFFF;
        List<Frame> frames = new ArrayList<>();
        int pos = 24;
        while (pos + 16 <= b.limit()) {
            long sec = b.getInt(pos) & 0xFFFF_FFFFL;
            long frac = b.getInt(pos + 4) & 0xFFFF_FFFFL;
            int caplen = b.getInt(pos + 8);
            int wirelen = b.getInt(pos + 12);
            if (caplen < 0 || pos + 16 + caplen > b.limit()) {
                throw new IOException(file + ": record at byte " + pos + " runs past the end");
            }
            frames.add(new Frame(sec * 1_000_000_000L + (nanos ? frac : frac * 1000), pos + 16, caplen, wirelen));
            pos += 16 + caplen;
        }
        b.order(ByteOrder.BIG_ENDIAN);
        return new ClassicPcap(b, linkType, frames);
    }
}
