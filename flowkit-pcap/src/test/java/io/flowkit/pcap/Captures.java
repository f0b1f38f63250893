package io.flowkit.pcap;

import io.flowkit.FrameHandler;
import io.flowkit.PacketSource;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Writes pcap and pcapng bytes for tests, and records what a source delivers. */
final class Captures {
    private Captures() {
    }

    /** One delivered frame, copied. */
    record Frame(long timestampNanos, int linkType, byte[] data, int wireLength) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Frame f && f.timestampNanos == timestampNanos && f.linkType == linkType
                    && Arrays.equals(f.data, data) && f.wireLength == wireLength;
        }

        @Override
        public int hashCode() {
            return Long.hashCode(timestampNanos) * 31 + Arrays.hashCode(data);
        }

        @Override
        public String toString() {
            return "Frame[" + timestampNanos + ", lt=" + linkType + ", caplen=" + data.length + ", wire=" + wireLength + "]";
        }
    }

    /** Handler that copies every frame. */
    static final class Recorder implements FrameHandler {
        final List<Frame> frames = new ArrayList<>();

        @Override
        public void onFrame(long ts, int linkType, ByteBuffer buffer, int offset, int caplen, int wirelen) {
            byte[] copy = new byte[caplen];
            for (int k = 0; k < caplen; k++) {
                copy[k] = buffer.get(offset + k);
            }
            frames.add(new Frame(ts, linkType, copy, wirelen));
        }
    }

    /** Reads a source to its end and returns the frames. */
    static List<Frame> readAll(PacketSource source) throws IOException {
        Recorder r = new Recorder();
        int guard = 0;
        while (source.poll(r, 7) != PacketSource.END_OF_INPUT) {
            if (++guard > 10_000_000) {
                throw new AssertionError("source does not end");
            }
        }
        return r.frames;
    }

    /**
     * Reads a file with pcap4j's offline reader (libpcap), the independent oracle. The link type
     * is the file's, translated from libpcap's DLT value, or -1 if {@code withLinkType} is false
     * (pcapng files may have several).
     */
    static List<Frame> readWithPcap4j(java.nio.file.Path file, boolean withLinkType) throws Exception {
        List<Frame> frames = new ArrayList<>();
        try (org.pcap4j.core.PcapHandle h = org.pcap4j.core.Pcaps.openOffline(file.toString(),
                org.pcap4j.core.PcapHandle.TimestampPrecision.NANO)) {
            int linkType = withLinkType ? io.flowkit.pcap.internal.LinkTypes.fromDlt(h.getDlt().value()) : -1;
            byte[] raw;
            while ((raw = h.getNextRawPacket()) != null) {
                java.sql.Timestamp ts = h.getTimestamp();
                long nanos = Math.floorDiv(ts.getTime(), 1000L) * 1_000_000_000L + ts.getNanos();
                frames.add(new Frame(nanos, linkType, raw, h.getOriginalLength()));
            }
        }
        return frames;
    }

    /** A frame payload whose bytes depend on {@code seed}. */
    static byte[] payload(int seed, int length) {
        byte[] b = new byte[length];
        for (int k = 0; k < length; k++) {
            b[k] = (byte) (seed * 31 + k * 7);
        }
        return b;
    }

    /** Writer of classic pcap files. */
    static final class Pcap {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();
        private final ByteOrder order;
        private final boolean nanos;

        Pcap(ByteOrder order, boolean nanos, int snaplen, int linkType) {
            this.order = order;
            this.nanos = nanos;
            ByteBuffer h = ByteBuffer.allocate(24).order(order);
            h.putInt(nanos ? 0xA1B23C4D : 0xA1B2C3D4).putShort((short) 2).putShort((short) 4)
                    .putInt(0).putInt(0).putInt(snaplen).putInt(linkType);
            out.writeBytes(h.array());
        }

        /** Adds a record with the given time in nanoseconds (truncated to the file's resolution). */
        Pcap record(long timestampNanos, byte[] data, int wireLength) {
            return rawRecord(timestampNanos / 1_000_000_000L,
                    nanos ? timestampNanos % 1_000_000_000L : timestampNanos % 1_000_000_000L / 1000,
                    data.length, wireLength, data);
        }

        /** Adds a record with every header field given, lies included. */
        Pcap rawRecord(long seconds, long fraction, long caplen, long wirelen, byte[] data) {
            ByteBuffer h = ByteBuffer.allocate(16).order(order);
            h.putInt((int) seconds).putInt((int) fraction).putInt((int) caplen).putInt((int) wirelen);
            out.writeBytes(h.array());
            out.writeBytes(data);
            return this;
        }

        byte[] bytes() {
            return out.toByteArray();
        }
    }

    /** Writer of pcapng files, block by block. */
    static final class Pcapng {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();
        private ByteOrder order = ByteOrder.BIG_ENDIAN;

        /** Starts a section in {@code order}. */
        Pcapng section(ByteOrder sectionOrder) {
            this.order = sectionOrder;
            ByteBuffer b = ByteBuffer.allocate(16).order(order);
            b.putInt(0x1A2B3C4D).putShort((short) 1).putShort((short) 0).putLong(-1L);
            return block(0x0A0D0D0A, b.array());
        }

        /** Describes an interface; {@code tsresol} and {@code tsoffset} are written when not null. */
        Pcapng iface(int linkType, int snaplen, Integer tsresol, Long tsoffset) {
            ByteBuffer b = ByteBuffer.allocate(64).order(order);
            b.putShort((short) linkType).putShort((short) 0).putInt(snaplen);
            if (tsresol != null) {
                b.putShort((short) 9).putShort((short) 1).put((byte) (int) tsresol).put(new byte[3]);
            }
            if (tsoffset != null) {
                b.putShort((short) 14).putShort((short) 8).putLong(tsoffset);
            }
            b.putShort((short) 0).putShort((short) 0);
            return block(1, Arrays.copyOf(b.array(), b.position()));
        }

        /** Adds an enhanced packet block. */
        Pcapng epb(int iface, long units, byte[] data, int wireLength) {
            return block(6, packetBody(iface, units, data.length, wireLength, data, false));
        }

        /** Adds an obsolete packet block. */
        Pcapng opb(int iface, long units, byte[] data, int wireLength) {
            return block(2, packetBody(iface, units, data.length, wireLength, data, true));
        }

        /** Adds an enhanced packet block whose captured length field says {@code caplen}. */
        Pcapng epbClaiming(int iface, long caplen, byte[] data) {
            return block(6, packetBody(iface, 0, caplen, data.length, data, false));
        }

        private byte[] packetBody(int iface, long units, long caplen, int wire, byte[] data, boolean obsolete) {
            ByteBuffer b = ByteBuffer.allocate(20 + pad(data.length)).order(order);
            if (obsolete) {
                b.putShort((short) iface).putShort((short) 0);
            } else {
                b.putInt(iface);
            }
            b.putInt((int) (units >>> 32)).putInt((int) units).putInt((int) caplen).putInt(wire).put(data);
            return b.array();
        }

        /** Adds a simple packet block. */
        Pcapng spb(byte[] data, int wireLength) {
            ByteBuffer b = ByteBuffer.allocate(4 + pad(data.length)).order(order);
            b.putInt(wireLength).put(data);
            return block(3, b.array());
        }

        /** Adds a block of any type with the given body (padded to 4). */
        Pcapng block(int type, byte[] body) {
            int length = 12 + pad(body.length);
            ByteBuffer b = ByteBuffer.allocate(length).order(order);
            b.putInt(type).putInt(length).put(body);
            b.position(length - 4);
            b.putInt(length);
            out.writeBytes(b.array());
            return this;
        }

        /** Appends raw bytes. */
        Pcapng raw(byte[] bytes) {
            out.writeBytes(bytes);
            return this;
        }

        byte[] bytes() {
            return out.toByteArray();
        }
    }

    static int pad(int n) {
        return (n + 3) & ~3;
    }
}
