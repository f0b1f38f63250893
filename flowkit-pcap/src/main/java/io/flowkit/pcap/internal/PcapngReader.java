package io.flowkit.pcap.internal;

import io.flowkit.FrameHandler;
import java.io.IOException;
import java.util.Arrays;

/**
 * Reads the pcapng format: a sequence of blocks, each framed by its total length at both ends.
 *
 * <p>A section header block (SHB) starts each section and sets the byte order of everything up
 * to the next one; interface description blocks (IDB) then number the section's interfaces from
 * 0, each with its link type, snapshot length and timestamp rule ({@code if_tsresol}: 10^-n or
 * 2^-n seconds per unit, default microseconds; {@code if_tsoffset}: seconds added). Enhanced
 * (EPB, type 6), obsolete (OPB, type 2) and simple (SPB, type 3) packet blocks carry frames.
 * A simple packet block belongs to interface 0, is cut to that interface's snapshot length and
 * has no timestamp: it gets the previous frame's, so network time never runs backwards. All other
 * blocks (name resolution, statistics, custom, unknown) are skipped by their length.
 *
 * <p>Damage handling follows from the framing. The block length is what finds the next block,
 * so a block length that is not a multiple of 4, is below the minimum, or differs from the
 * trailing copy ends reading with an exception. Damage inside a well-framed block (an unknown
 * interface, a captured length beyond the block or beyond {@link Limits#MAX_CAPTURE_LENGTH}, an
 * unusable timestamp resolution) skips that block and counts it. A block cut by the end of the
 * file is counted and ends reading cleanly.
 *
 * <p>Timestamps are converted without allocation: units times 10^(9-n) for decimal resolutions up
 * to nanoseconds, an unsigned division for finer ones, and a fixed-point multiply for binary
 * ones. Cost per frame: a few field reads and one multiply or division.
 */
public final class PcapngReader extends CaptureReader {
    static final int SHB = 0x0A0D0D0A;
    private static final int BYTE_ORDER_MAGIC = 0x1A2B3C4D;
    private static final int IDB = 1;
    private static final int OPB = 2;
    private static final int SPB = 3;
    private static final int EPB = 6;
    private static final int SHB_MIN = 28;
    /** Enhanced and obsolete packet blocks: 28 bytes of header fields and the trailing length. */
    private static final int PACKET_BLOCK_MIN = 32;
    /** Simple packet block: 12 bytes of header fields and the trailing length. */
    private static final int SIMPLE_BLOCK_MIN = 16;
    private static final int OPTION_TSRESOL = 9;
    private static final int OPTION_TSOFFSET = 14;

    private static final int MULTIPLY = 0;
    private static final int DIVIDE = 1;
    private static final int BINARY = 2;

    // The current section's interfaces, struct of arrays; linkType -1 marks an unusable one.
    private int interfaces;
    private int[] linkType = new int[4];
    private long[] snapLength = new long[4];
    private int[] tsMode = new int[4];
    private long[] tsParameter = new long[4];
    private long[] tsOffsetNanos = new long[4];

    private long lastTimestamp;

    private PcapngReader(Input input, String name) {
        super(input, name, 0);
    }

    /**
     * Reads the first section header; the caller has checked that the file starts with the
     * section header block type.
     *
     * @param input the capture, at offset 0
     * @param name  name for messages
     * @return the reader, positioned after the first section header
     * @throws IOException if the section header is damaged or cut short, or reading fails
     */
    public static PcapngReader open(Input input, String name) throws IOException {
        PcapngReader r = new PcapngReader(input, name);
        r.readSectionHeader(0, true);
        return r;
    }

    @Override
    protected int readRecord(FrameHandler handler) throws IOException {
        long at = position;
        if (!input.fetch(at, 8)) {
            if (input.end() > at) {
                skipped++;
            }
            return -1;
        }
        int i = input.index(at);
        if (input.buffer().getInt(i) == SHB) {
            return readSectionHeader(at, false);
        }
        long type = u32(i);
        long blockLength = u32(i + 4);
        if (blockLength < 12 || (blockLength & 3) != 0) {
            throw damaged(at, "block length " + blockLength + " is "
                    + (blockLength < 12 ? "below the minimum of 12" : "not a multiple of 4"));
        }
        boolean parsed = type == EPB || type == SPB || type == OPB || type == IDB;
        if (!parsed || blockLength > Limits.MAX_BLOCK_BYTES) {
            if (!checkTrailer(at, blockLength)) {
                return -1;
            }
            position = at + blockLength;
            if (parsed) {
                skipped++;
                if (type == IDB) {
                    addInterface(-1, 0, MULTIPLY, 0, 0);
                }
            }
            return 0;
        }
        int length = (int) blockLength;
        if (!input.fetch(at, length)) {
            skipped++;
            return -1;
        }
        i = input.index(at);
        long trailer = u32(i + length - 4);
        if (trailer != blockLength) {
            throw damaged(at, "block length " + blockLength + " differs from its trailing copy " + trailer);
        }
        position = at + blockLength;
        if ((type == EPB || type == OPB) && length < PACKET_BLOCK_MIN
                || type == SPB && length < SIMPLE_BLOCK_MIN) {
            skipped++;
            return 0;
        }
        if (type == EPB) {
            return packet(handler, (int) Math.min(u32(i + 8), Integer.MAX_VALUE), i + 12, length, PACKET_BLOCK_MIN);
        } else if (type == OPB) {
            return packet(handler, u16(i + 8), i + 12, length, PACKET_BLOCK_MIN);
        } else if (type == SPB) {
            return simplePacket(handler, i, length);
        }
        describeInterface(i, length);
        return 0;
    }

    /** Delivers an EPB or OPB whose interface id is read; {@code fields} indexes its timestamp. */
    private int packet(FrameHandler handler, int id, int fields, int blockLength, int overhead) {
        if (id >= interfaces || linkType[id] < 0) {
            skipped++;
            return 0;
        }
        long captured = u32(fields + 8);
        if (captured > blockLength - overhead || captured > Limits.MAX_CAPTURE_LENGTH) {
            skipped++;
            return 0;
        }
        long units = u32(fields) << 32 | u32(fields + 4);
        long nanos = toNanos(id, units);
        lastTimestamp = nanos;
        deliver(handler, nanos, linkType[id], fields + 16, (int) captured, u32(fields + 12));
        return 1;
    }

    private int simplePacket(FrameHandler handler, int i, int blockLength) {
        if (interfaces == 0 || linkType[0] < 0) {
            skipped++;
            return 0;
        }
        long original = u32(i + 8);
        long captured = Math.min(original, blockLength - 16);
        if (snapLength[0] > 0) {
            captured = Math.min(captured, snapLength[0]);
        }
        if (captured > Limits.MAX_CAPTURE_LENGTH) {
            skipped++;
            return 0;
        }
        deliver(handler, lastTimestamp, linkType[0], i + 12, (int) captured, original);
        return 1;
    }

    private long toNanos(int id, long units) {
        long p = tsParameter[id];
        long nanos;
        switch (tsMode[id]) {
            case MULTIPLY:
                nanos = units * p;
                break;
            case DIVIDE:
                nanos = Long.divideUnsigned(units, p);
                break;
            default:
                long fraction = units & ((1L << p) - 1);
                long scaled = fraction << (64 - p);
                // unsigned high word of scaled * 10^9: the fraction's nanoseconds
                long fractionNanos = Math.multiplyHigh(scaled, 1_000_000_000L) + ((scaled >> 63) & 1_000_000_000L);
                nanos = (units >>> p) * 1_000_000_000L + fractionNanos;
                break;
        }
        return nanos + tsOffsetNanos[id];
    }

    private void describeInterface(int i, int blockLength) {
        if (blockLength < 20) {
            skipped++;
            addInterface(-1, 0, MULTIPLY, 0, 0);
            return;
        }
        int type = u16(i + 8);
        long snap = u32(i + 12);
        int resolution = 6;
        long offsetSeconds = 0;
        int o = i + 16;
        int limit = i + blockLength - 4;
        while (o + 4 <= limit) {
            int code = u16(o);
            int length = u16(o + 2);
            if (code == 0 || o + 4 + length > limit) {
                break;
            }
            if (code == OPTION_TSRESOL && length >= 1) {
                resolution = input.buffer().get(o + 4) & 0xFF;
            } else if (code == OPTION_TSOFFSET && length == 8) {
                offsetSeconds = i64(o + 4);
            }
            o += 4 + ((length + 3) & ~3);
        }
        int exponent = resolution & 0x7F;
        boolean binary = (resolution & 0x80) != 0;
        if (binary ? exponent > 63 : exponent > 18) {
            skipped++;
            addInterface(-1, 0, MULTIPLY, 0, 0);
        } else if (binary && exponent > 0) {
            addInterface(type, snap, BINARY, exponent, offsetSeconds * 1_000_000_000L);
        } else if (binary) {
            addInterface(type, snap, MULTIPLY, 1_000_000_000L, offsetSeconds * 1_000_000_000L);
        } else if (exponent <= 9) {
            addInterface(type, snap, MULTIPLY, pow10(9 - exponent), offsetSeconds * 1_000_000_000L);
        } else {
            addInterface(type, snap, DIVIDE, pow10(exponent - 9), offsetSeconds * 1_000_000_000L);
        }
    }

    private static long pow10(int n) {
        long v = 1;
        for (int k = 0; k < n; k++) {
            v *= 10;
        }
        return v;
    }

    private void addInterface(int type, long snap, int mode, long parameter, long offsetNanos) {
        if (interfaces == Limits.MAX_INTERFACES) {
            skipped++;
            return;
        }
        if (interfaces == linkType.length) {
            int n = interfaces * 2;
            linkType = Arrays.copyOf(linkType, n);
            snapLength = Arrays.copyOf(snapLength, n);
            tsMode = Arrays.copyOf(tsMode, n);
            tsParameter = Arrays.copyOf(tsParameter, n);
            tsOffsetNanos = Arrays.copyOf(tsOffsetNanos, n);
        }
        linkType[interfaces] = type;
        snapLength[interfaces] = snap;
        tsMode[interfaces] = mode;
        tsParameter[interfaces] = parameter;
        tsOffsetNanos[interfaces] = offsetNanos;
        interfaces++;
    }

    /** Reads the trailing length of a block that is not kept in memory; false if cut at the end. */
    private boolean checkTrailer(long at, long blockLength) throws IOException {
        long trailerAt = at + blockLength - 4;
        if (!input.fetch(trailerAt, 4)) {
            skipped++;
            return false;
        }
        long trailer = u32(input.index(trailerAt));
        if (trailer != blockLength) {
            throw damaged(at, "block length " + blockLength + " differs from its trailing copy " + trailer);
        }
        return true;
    }

    private int readSectionHeader(long at, boolean first) throws IOException {
        if (!input.fetch(at, SHB_MIN)) {
            if (first) {
                throw damaged(at, "pcapng section header cut short: " + (input.end() - at) + " of "
                        + SHB_MIN + " bytes");
            }
            skipped++;
            return -1;
        }
        int i = input.index(at);
        int order = input.buffer().getInt(i + 8);
        if (order == BYTE_ORDER_MAGIC) {
            swap = false;
        } else if (order == Integer.reverseBytes(BYTE_ORDER_MAGIC)) {
            swap = true;
        } else {
            throw damaged(at + 8, String.format("section header byte-order magic 0x%08x is neither "
                    + "1a2b3c4d nor 4d3c2b1a", order));
        }
        long blockLength = u32(i + 4);
        if (blockLength < SHB_MIN || (blockLength & 3) != 0) {
            throw damaged(at, "section header length " + blockLength + " is "
                    + (blockLength < SHB_MIN ? "below the minimum of 28" : "not a multiple of 4"));
        }
        int major = u16(i + 12);
        if (major != 1) {
            throw damaged(at + 12, "pcapng major version " + major + " is not supported (only 1)");
        }
        if (!checkTrailer(at, blockLength)) {
            if (first) {
                throw damaged(at, "pcapng section header cut short by the end of the input");
            }
            return -1;
        }
        interfaces = 0;
        position = at + blockLength;
        return 0;
    }
}
