package io.flowkit.bench.gen;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A test-side reader of classic pcap files, written from the format description independently
 * of {@link PcapWriter}: it accepts both byte orders and both timestamp resolutions, and fails
 * on any length that does not add up.
 */
final class CaptureFile {
    /** One record: timestamp and the captured bytes. */
    record Frame(long timestampNanos, byte[] bytes, int originalLength) {
    }

    final int linkType;
    final int snapLength;
    final boolean nanosecond;
    final List<Frame> frames;

    private CaptureFile(int linkType, int snapLength, boolean nanosecond, List<Frame> frames) {
        this.linkType = linkType;
        this.snapLength = snapLength;
        this.nanosecond = nanosecond;
        this.frames = frames;
    }

    static CaptureFile read(Path path) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(path)).order(ByteOrder.LITTLE_ENDIAN);
        if (b.remaining() < 24) {
            throw new AssertionError(path + ": shorter than a pcap header");
        }
        int magic = b.getInt(0);
        boolean nanos;
        if (magic == 0xA1B23C4D || magic == Integer.reverseBytes(0xA1B23C4D)) {
            nanos = true;
        } else if (magic == 0xA1B2C3D4 || magic == Integer.reverseBytes(0xA1B2C3D4)) {
            nanos = false;
        } else {
            throw new AssertionError(path + ": bad magic " + Integer.toHexString(magic));
        }
        if (magic == Integer.reverseBytes(0xA1B23C4D) || magic == Integer.reverseBytes(0xA1B2C3D4)) {
            b.order(ByteOrder.BIG_ENDIAN);
        }
        if (b.getShort(4) != 2 || b.getShort(6) != 4) {
            throw new AssertionError(path + ": version " + b.getShort(4) + "." + b.getShort(6));
        }
        int snap = b.getInt(16);
        int link = b.getInt(20);
        List<Frame> frames = new ArrayList<>();
        int at = 24;
        while (at < b.limit()) {
            if (b.limit() - at < 16) {
                throw new AssertionError(path + ": truncated record header at offset " + at);
            }
            long sec = Integer.toUnsignedLong(b.getInt(at));
            long frac = Integer.toUnsignedLong(b.getInt(at + 4));
            int incl = b.getInt(at + 8);
            int orig = b.getInt(at + 12);
            if (frac >= (nanos ? 1_000_000_000L : 1_000_000L)) {
                throw new AssertionError(path + ": sub-second field out of range at offset " + at);
            }
            if (incl < 0 || incl > snap || incl > orig || b.limit() - at - 16 < incl) {
                throw new AssertionError(path + ": bad captured length " + incl + " at offset " + at);
            }
            byte[] data = new byte[incl];
            b.get(at + 16, data);
            frames.add(new Frame(sec * 1_000_000_000L + (nanos ? frac : frac * 1000), data, orig));
            at += 16 + incl;
        }
        return new CaptureFile(link, snap, nanos, frames);
    }
}
