package io.flowkit.core.internal.decode;

import static org.assertj.core.api.Assertions.assertThat;

import io.flowkit.LinkType;
import io.flowkit.SkipReason;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Attacker-controlled bytes: random frames for every link type, and a seeded mutation fuzz loop
 * over real frames from the conformance traces. Nothing may throw, every frame is either
 * delivered or counted under exactly one reason, and a delivered view only points inside the
 * buffer it names.
 */
class HostileInputTest {
    private static final int[] LINK_TYPES = {
        LinkType.NULL, LinkType.ETHERNET, LinkType.PPP, LinkType.PPP_HDLC, LinkType.RAW, LinkType.IEEE802_11,
        LinkType.LOOP, LinkType.LINUX_SLL, LinkType.IEEE802_11_RADIOTAP, LinkType.IPV4, LinkType.IPV6,
        LinkType.LINUX_SLL2, 12345,
    };

    private final Decoder decoder = new Decoder(false, List.of(), 8L * FragmentReassembler.SLOT_BYTES,
            Decoder.DEFAULT_FRAGMENT_TIMEOUT);
    private final PacketView view = new PacketView();
    private long decoded;

    private void decodeChecked(long ts, int linkType, ByteBuffer buf, int off, int caplen, int wirelen) {
        int pos = buf.position();
        int limit = buf.limit();
        ByteOrder order = buf.order();
        boolean ok = decoder.decode(ts, linkType, buf, off, caplen, wirelen, view);
        assertThat(buf.position()).isEqualTo(pos);
        assertThat(buf.limit()).isEqualTo(limit);
        assertThat(buf.order()).isEqualTo(order);
        if (ok) {
            decoded++;
            assertThat(view.ipVersion).isIn(4, 6);
            assertThat(view.ipProto).isBetween(0, 255);
            assertThat(view.srcPort).isBetween(0, 65535);
            assertThat(view.dstPort).isBetween(0, 65535);
            assertThat(view.ipLength).isBetween(20, 65535 + 40);
            assertThat(view.payloadLength).isBetween(0, 65535);
            assertThat(view.payloadCaptured).isBetween(0, Math.max(0, view.buffer.limit() - view.payloadOffset));
            if (!view.transportTruncated) {
                assertThat(view.payloadOffset).isBetween(0, view.buffer.limit());
            }
            assertThat(view.buffer == buf || view.reassembled).isTrue();
        }
    }

    private long skippedTotal() {
        long sum = 0;
        for (SkipReason r : SkipReason.values()) {
            sum += decoder.skipped(r);
        }
        return sum;
    }

    @Test
    void randomBytesForEveryLinkTypeNeverThrowAndAreAllAccountedFor() {
        SplittableRandom rnd = new SplittableRandom(20261123);
        byte[] frame = new byte[256];
        ByteBuffer buf = ByteBuffer.wrap(frame);
        int frames = 0;
        for (int linkType : LINK_TYPES) {
            for (int i = 0; i < 20_000; i++) {
                int len = rnd.nextInt(frame.length + 1);
                for (int k = 0; k < len; k++) {
                    frame[k] = (byte) rnd.nextInt(256);
                }
                if (len > 0 && rnd.nextBoolean()) {
                    frame[0] = (byte) ((rnd.nextBoolean() ? 0x40 : 0x60) | (frame[0] & 0x0F)); // look like IP
                }
                int wire = rnd.nextInt(4) == 0 ? rnd.nextInt(70_000) : len;
                decodeChecked(i, linkType, buf, 0, len, wire);
                frames++;
            }
        }
        assertThat(decoded + skippedTotal()).isEqualTo(frames);
        assertThat(decoder.skipped(SkipReason.UNKNOWN_LINK_TYPE)).isEqualTo(20_000);
    }

    @Test
    void impossibleOffsetsAndLengthsAreCountedNotThrown() {
        ByteBuffer buf = ByteBuffer.allocate(64);
        decodeChecked(0, LinkType.ETHERNET, buf, -1, 10, 10);
        decodeChecked(0, LinkType.ETHERNET, buf, 65, 10, 10);
        decodeChecked(0, LinkType.ETHERNET, buf, 0, -5, 10);
        decodeChecked(0, LinkType.ETHERNET, buf, 60, 1000, 1000);
        decodeChecked(0, LinkType.RAW, buf, 0, 64, Integer.MIN_VALUE);
        decodeChecked(0, LinkType.RAW, buf, Integer.MAX_VALUE, Integer.MAX_VALUE, Integer.MAX_VALUE);
        assertThat(skippedTotal() + decoded).isEqualTo(6);
    }

    @Test
    void seededMutationsOfConformanceFramesNeverThrow() {
        List<ClassicPcap> traces = new ArrayList<>();
        for (Path p : Conformance.classicTraces()) {
            try {
                traces.add(ClassicPcap.read(p));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        assertThat(traces).hasSizeGreaterThan(30);
        SplittableRandom rnd = new SplittableRandom(42);
        byte[] scratch = new byte[70_000];
        ByteBuffer buf = ByteBuffer.wrap(scratch);
        int frames = 0;
        for (int round = 0; round < 500_000; round++) {
            ClassicPcap t = traces.get(rnd.nextInt(traces.size()));
            if (t.frames.isEmpty()) {
                continue;
            }
            ClassicPcap.Frame f = t.frames.get(rnd.nextInt(t.frames.size()));
            int len = f.caplen();
            t.buffer.get(f.offset(), scratch, 0, len);
            int mutations = 1 + rnd.nextInt(4);
            for (int m = 0; m < mutations && len > 0; m++) {
                int at = rnd.nextInt(Math.min(len, 120));
                switch (rnd.nextInt(4)) {
                    case 0:
                        scratch[at] ^= (byte) (1 << rnd.nextInt(8));
                        break;
                    case 1:
                        scratch[at] = (byte) rnd.nextInt(256);
                        break;
                    case 2:
                        scratch[at] = (byte) (rnd.nextBoolean() ? 0 : 0xFF);
                        break;
                    default:
                        len = rnd.nextInt(len + 1);
                        break;
                }
            }
            int wire = rnd.nextInt(8) == 0 ? rnd.nextInt(70_000) : Math.max(len, f.wirelen());
            int linkType = rnd.nextInt(16) == 0 ? LINK_TYPES[rnd.nextInt(LINK_TYPES.length)] : t.linkType;
            decodeChecked(f.tsNanos() + rnd.nextInt(1000), linkType, buf, 0, len, wire);
            frames++;
        }
        assertThat(decoded + skippedTotal()).isEqualTo(frames);
        assertThat(decoded).as("mutations still leave most frames decodable").isGreaterThan(frames / 4);
    }
}
