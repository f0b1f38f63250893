package io.flowkit.pcap.internal;

import io.flowkit.CaptureFormatException;
import io.flowkit.FrameHandler;
import java.io.IOException;

/**
 * Reads the classic pcap format: a 24-byte file header, then records of a 16-byte header
 * (seconds, fraction, captured length, original length) and the captured bytes.
 *
 * <p>The magic number gives the byte order of every header field and whether the fraction
 * counts microseconds ({@code a1b2c3d4}) or nanoseconds ({@code a1b23c4d}). The link type is the
 * header's field with libpcap's FCS bits masked off. The snapshot length in the header is not
 * trusted: each record's captured length is checked against {@link Limits#MAX_CAPTURE_LENGTH}
 * instead, as libpcap does.
 *
 * <p>A record cannot be skipped when its length is wrong, since the next record starts where
 * this one ends; such damage ends reading with an exception. A record cut short by the end of
 * the file is counted as skipped and reading ends cleanly, which is also what tcpdump does.
 */
public final class PcapReader extends CaptureReader {
    static final int MAGIC_MICROS = 0xA1B2C3D4;
    static final int MAGIC_NANOS = 0xA1B23C4D;
    private static final int FILE_HEADER = 24;
    private static final int RECORD_HEADER = 16;
    /** libpcap's LT_LINKTYPE mask: the upper bits carry FCS length information. */
    private static final int LINKTYPE_MASK = 0x03FF_FFFF;

    private final int linkType;
    private final long fractionNanos;

    private PcapReader(Input input, String name, boolean swap, boolean nanos, int linkType) {
        super(input, name, FILE_HEADER);
        this.swap = swap;
        this.fractionNanos = nanos ? 1 : 1000;
        this.linkType = linkType;
    }

    /**
     * Reads the file header; the caller has checked that the first four bytes are a pcap magic.
     *
     * @param input the capture, at offset 0
     * @param name  name for messages
     * @return the reader, positioned at the first record
     * @throws IOException if the header is cut short or reading fails
     */
    public static PcapReader open(Input input, String name) throws IOException {
        if (!input.fetch(0, FILE_HEADER)) {
            throw new CaptureFormatException(name, 0,
                    "pcap file header cut short: " + input.end() + " of " + FILE_HEADER + " bytes");
        }
        int magic = input.buffer().getInt(input.index(0));
        boolean swap = magic != MAGIC_MICROS && magic != MAGIC_NANOS;
        int native32 = swap ? Integer.reverseBytes(magic) : magic;
        int rawLinkType = input.buffer().getInt(input.index(20));
        int linkType = (swap ? Integer.reverseBytes(rawLinkType) : rawLinkType) & LINKTYPE_MASK;
        return new PcapReader(input, name, swap, native32 == MAGIC_NANOS, linkType);
    }

    @Override
    protected int readRecord(FrameHandler handler) throws IOException {
        long at = position;
        if (!input.fetch(at, RECORD_HEADER)) {
            if (input.end() > at) {
                skipped++;
            }
            return -1;
        }
        int i = input.index(at);
        long seconds = u32(i);
        long fraction = u32(i + 4);
        long captured = u32(i + 8);
        long wire = u32(i + 12);
        if (captured > Limits.MAX_CAPTURE_LENGTH) {
            throw damaged(at, "record capture length " + captured + " exceeds " + Limits.MAX_CAPTURE_LENGTH);
        }
        int length = (int) captured;
        if (!input.fetch(at, RECORD_HEADER + length)) {
            skipped++;
            return -1;
        }
        position = at + RECORD_HEADER + length;
        deliver(handler, seconds * 1_000_000_000L + fraction * fractionNanos, linkType,
                input.index(at) + RECORD_HEADER, length, wire);
        return 1;
    }
}
