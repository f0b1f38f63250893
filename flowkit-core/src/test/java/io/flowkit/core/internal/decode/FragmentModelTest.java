package io.flowkit.core.internal.decode;

import static io.flowkit.core.internal.decode.Frames.UDP;
import static io.flowkit.core.internal.decode.Frames.ipv4;
import static org.assertj.core.api.Assertions.assertThat;

import io.flowkit.LinkType;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Reassembly against a reference model: a byte array where the first fragment to write a byte
 * wins. Random datagrams are cut at random 8-byte boundaries into fragments that may overlap,
 * repeat, carry forged bytes, and arrive in any order. The decoder must deliver the datagram
 * exactly when the model has every byte and the last fragment, with the model's bytes. (A piece
 * that starts at 0 and is the last one is a whole datagram, delivered as it is.)
 */
class FragmentModelTest {

    private record Piece(int from, int to, boolean more, byte[] data) {
    }

    @Test
    void reassemblyMatchesAFirstWriterWinsModel() {
        Random rnd = new Random(4242);
        for (int trial = 0; trial < 2_000; trial++) {
            int len = 8 * (1 + rnd.nextInt(200)) + rnd.nextInt(8);
            byte[] truth = new byte[len];
            rnd.nextBytes(truth);
            List<Piece> pieces = new ArrayList<>();
            int at = 0;
            while (at < len) {
                int to = Math.min(len, at + 8 * (1 + rnd.nextInt(40)));
                int from = at > 0 && rnd.nextInt(3) == 0 ? at - 8 * (1 + rnd.nextInt(at / 8)) : at; // overlap back
                pieces.add(new Piece(from, to, to < len, Arrays.copyOfRange(truth, from, to)));
                at = to;
            }
            int extras = rnd.nextInt(3);
            for (int e = 0; e < extras; e++) {
                Piece p = pieces.get(rnd.nextInt(pieces.size()));
                byte[] data = p.data().clone();
                if (rnd.nextBoolean()) {
                    data[rnd.nextInt(data.length)] ^= (byte) (1 + rnd.nextInt(255)); // forged copy
                }
                pieces.add(new Piece(p.from(), p.to(), p.more(), data));
            }
            Collections.shuffle(pieces, rnd);

            DecoderHarness h = new DecoderHarness();
            byte[] model = new byte[len];
            boolean[] have = new boolean[len];
            boolean lastSeen = false;
            boolean delivered = false;
            boolean fragmented = true;
            for (Piece p : pieces) {
                if (delivered) {
                    break;
                }
                if (p.from() == 0 && !p.more()) {
                    // offset 0 without "more fragments" is a whole datagram, not a fragment
                    assertThat(h.decode(LinkType.RAW, ipv4("10.0.0.1", "10.0.0.2", UDP, trial & 0xFFFF, 0, false,
                            new byte[0], p.data()))).isTrue();
                    model = p.data();
                    delivered = true;
                    fragmented = false;
                    break;
                }
                for (int i = p.from(); i < p.to(); i++) {
                    if (!have[i]) {
                        have[i] = true;
                        model[i] = p.data()[i - p.from()];
                    }
                }
                lastSeen |= !p.more();
                boolean complete = lastSeen;
                for (boolean b : have) {
                    complete &= b;
                }
                byte[] frame = ipv4("10.0.0.1", "10.0.0.2", UDP, trial & 0xFFFF, p.from(), p.more(), new byte[0], p.data());
                delivered = h.decode(LinkType.RAW, frame);
                assertThat(delivered).as("trial %d: delivered exactly when the model is complete", trial)
                        .isEqualTo(complete);
            }
            assertThat(delivered).as("trial %d completes", trial).isTrue();
            assertThat(h.view.reassembled).isEqualTo(fragmented);
            assertThat(h.view.ipLength).isEqualTo(20 + len);
            byte[] got = new byte[len];
            h.view.buffer.get(h.view.buffer.position() + h.view.payloadOffset - 8, got);
            assertThat(got).as("trial %d bytes", trial).isEqualTo(model);
        }
    }
}
