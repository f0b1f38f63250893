package io.flowkit.pcap.internal;

import io.flowkit.CaptureFormatException;
import io.flowkit.FrameHandler;
import io.flowkit.LinkType;
import java.io.IOException;

/**
 * Reads the classic pcap format: a 24-byte file header, then records of a 16-byte header
 * (seconds, fraction, captured length, original length) and the captured bytes.
 *
 * <p>The magic number gives the byte order of every header field and whether the fraction
 * counts microseconds ({@code a1b2c3d4}) or nanoseconds ({@code a1b23c4d}); Alexey Kuznetzov's
 * patched format ({@code a1b2cd34}) has 8 more bytes per record header, which are skipped. The
 * link type is the header's field with libpcap's FCS bits masked off.
 *
 * <p>Frames are what libpcap, and so Zeek and tcpdump, would see. The header's snapshot length
 * (262144 when it is 0 or larger; plus 14 for Ethernet in the patched format, whose cooked
 * captures had a fake Ethernet header added) bounds what is delivered: a record that captured
 * more is cut to the snapshot length and the rest of it skipped. A captured length above
 * {@link Limits#MAX_CAPTURE_LENGTH} is damage, as in libpcap; since the next record starts where
 * this one ends, reading cannot go on and an exception is thrown. A record cut short by the end
 * of the file is counted as skipped and reading ends cleanly, where libpcap reports a truncated
 * file after the same frames.
 */
public final class PcapReader extends CaptureReader {
    static final int MAGIC_MICROS = 0xA1B2C3D4;
    static final int MAGIC_NANOS = 0xA1B23C4D;
    static final int MAGIC_KUZNETZOV = 0xA1B2CD34;
    private static final int FILE_HEADER = 24;
    private static final int RECORD_HEADER = 16;
    private static final int KUZNETZOV_RECORD_HEADER = 24;
    /** libpcap's LT_LINKTYPE mask: the upper bits carry FCS length information. */
    private static final int LINKTYPE_MASK = 0x03FF_FFFF;

    private final int linkType;
    private final long fractionNanos;
    private final int recordHeader;
    private final long snapshot;

    private PcapReader(Input input, String name, boolean swap, int magic, int linkType, long snapLength) {
        super(input, name, FILE_HEADER);
        this.swap = swap;
        this.fractionNanos = magic == MAGIC_NANOS ? 1 : 1000;
        this.linkType = linkType;
        this.recordHeader = magic == MAGIC_KUZNETZOV ? KUZNETZOV_RECORD_HEADER : RECORD_HEADER;
        long snap = snapLength == 0 || snapLength > Limits.MAX_CAPTURE_LENGTH ? Limits.MAX_CAPTURE_LENGTH : snapLength;
        this.snapshot = magic == MAGIC_KUZNETZOV && linkType == LinkType.ETHERNET ? snap + 14 : snap;
    }

    /**
     * Tells whether four bytes read big-endian are a pcap magic in either byte order.
     *
     * @param magic the file's first four bytes as a big-endian int
     * @return true for the micro- and nanosecond and the patched formats
     */
    static boolean isMagic(int magic) {
        int swapped = Integer.reverseBytes(magic);
        return magic == MAGIC_MICROS || magic == MAGIC_NANOS || magic == MAGIC_KUZNETZOV
                || swapped == MAGIC_MICROS || swapped == MAGIC_NANOS || swapped == MAGIC_KUZNETZOV;
    }

    /**
     * Reads the file header; the caller has checked the magic with {@link #isMagic(int)}.
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
        int at = input.index(0);
        int magic = input.buffer().getInt(at);
        boolean swap = magic != MAGIC_MICROS && magic != MAGIC_NANOS && magic != MAGIC_KUZNETZOV;
        int snapLength = input.buffer().getInt(at + 16);
        int rawLinkType = input.buffer().getInt(at + 20);
        if (swap) {
            magic = Integer.reverseBytes(magic);
            snapLength = Integer.reverseBytes(snapLength);
            rawLinkType = Integer.reverseBytes(rawLinkType);
        }
        return new PcapReader(input, name, swap, magic, rawLinkType & LINKTYPE_MASK, snapLength & 0xFFFF_FFFFL);
    }

    @Override
    protected int readRecord(FrameHandler handler) throws IOException {
        long at = position;
        if (!input.fetch(at, recordHeader)) {
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
        int stored = (int) captured;
        if (!input.fetch(at, recordHeader + stored)) {
            skipped++;
            return -1;
        }
        position = at + recordHeader + stored;
        deliver(handler, seconds * 1_000_000_000L + fraction * fractionNanos, linkType,
                input.index(at) + recordHeader, (int) Math.min(stored, snapshot), wire);
        return 1;
    }
}
