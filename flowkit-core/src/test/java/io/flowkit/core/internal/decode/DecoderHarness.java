package io.flowkit.core.internal.decode;

import static org.assertj.core.api.Assertions.assertThat;

import io.flowkit.SkipReason;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;

/** A decoder, a view, and assertions on what a frame decoded to. */
class DecoderHarness {
    Decoder decoder;
    final PacketView view = new PacketView();
    long now = 1_000_000_000L;

    DecoderHarness() {
        this(false);
    }

    DecoderHarness(boolean ignoreChecksums) {
        decoder = new Decoder(ignoreChecksums, List.of(), Decoder.DEFAULT_FRAGMENT_MEMORY_BYTES,
                Decoder.DEFAULT_FRAGMENT_TIMEOUT);
    }

    DecoderHarness(long fragmentMemory, Duration fragmentTimeout) {
        decoder = new Decoder(false, List.of(), fragmentMemory, fragmentTimeout);
    }

    boolean decode(int linkType, byte[] frame) {
        return decode(linkType, frame, frame.length, frame.length);
    }

    boolean decode(int linkType, byte[] frame, int caplen, int wirelen) {
        ByteBuffer buf = ByteBuffer.wrap(frame);
        boolean r = decoder.decode(now, linkType, buf, 0, caplen, wirelen, view);
        assertThat(buf.position()).isZero();
        assertThat(buf.limit()).isEqualTo(frame.length);
        return r;
    }

    long skippedTotal() {
        long sum = 0;
        for (SkipReason r : SkipReason.values()) {
            sum += decoder.skipped(r);
        }
        return sum;
    }

    /** Asserts that the frame was skipped for {@code reason} and nothing else was ever counted. */
    void assertOnlySkipped(SkipReason reason, long times) {
        assertThat(decoder.skipped(reason)).as(reason.name()).isEqualTo(times);
        assertThat(skippedTotal()).as("frames skipped for any reason").isEqualTo(times);
    }

    static long v4(String a) {
        byte[] b = Frames.addr(a);
        return PacketView.IPV4_MAPPED_PREFIX | ((b[0] & 0xFFL) << 24) | ((b[1] & 0xFFL) << 16) | ((b[2] & 0xFFL) << 8)
                | (b[3] & 0xFFL);
    }

    static long hi(String a) {
        return ByteBuffer.wrap(Frames.addr(a)).getLong(0);
    }

    static long lo(String a) {
        return ByteBuffer.wrap(Frames.addr(a)).getLong(8);
    }
}
