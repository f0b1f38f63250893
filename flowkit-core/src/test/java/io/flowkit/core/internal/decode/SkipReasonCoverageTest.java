package io.flowkit.core.internal.decode;

import static io.flowkit.core.internal.decode.Frames.TCP;
import static io.flowkit.core.internal.decode.Frames.UDP;
import static io.flowkit.core.internal.decode.Frames.bytes;
import static io.flowkit.core.internal.decode.Frames.ether;
import static io.flowkit.core.internal.decode.Frames.ext;
import static io.flowkit.core.internal.decode.Frames.ipv4;
import static io.flowkit.core.internal.decode.Frames.ipv6;
import static io.flowkit.core.internal.decode.Frames.udp;
import static org.assertj.core.api.Assertions.assertThat;

import io.flowkit.LinkType;
import io.flowkit.SkipReason;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * One frame per {@link SkipReason} the decoder can give, each counted under that reason and no
 * other. {@link SkipReason#BAD_TUNNEL} is the tunnel decoder's and never comes from here.
 */
class SkipReasonCoverageTest {

    private static byte[] ip4Udp() {
        return ipv4("10.0.0.1", "10.0.0.2", UDP, udp(1, 2, new byte[4]));
    }

    private static void decodeSample(DecoderHarness h, SkipReason reason) {
        switch (reason) {
            case UNKNOWN_LINK_TYPE:
                h.decode(9999, ip4Udp());
                break;
            case TRUNCATED_LINK_HEADER:
                h.decode(LinkType.ETHERNET, new byte[10]);
                break;
            case NOT_IP:
                h.decode(LinkType.ETHERNET, ether(0x88CC, new byte[40]));
                break;
            case TRUNCATED_IP_HEADER:
                h.decode(LinkType.ETHERNET, ether(0x0800, bytes(0x45, 0, 0, 40)));
                break;
            case BAD_IP_VERSION: {
                byte[] f = ip4Udp();
                f[0] = 0x75;
                h.decode(LinkType.RAW, f);
                break;
            }
            case BAD_IP_HEADER_LENGTH: {
                byte[] f = ip4Udp();
                f[0] = 0x43;
                h.decode(LinkType.RAW, f);
                break;
            }
            case BAD_IP_LENGTH: {
                byte[] f = ip4Udp();
                Frames.put16(f, 2, 60_000);
                Frames.fixIpv4Checksum4(f);
                h.decode(LinkType.RAW, f);
                break;
            }
            case BAD_IP_CHECKSUM: {
                byte[] f = ip4Udp();
                f[10] ^= 0x10;
                h.decode(LinkType.RAW, f);
                break;
            }
            case BAD_IPV6_EXTENSION: {
                byte[] f = ipv6("2001:db8::1", "2001:db8::2", 60, ext(UDP, 0, new byte[0]), new byte[0]);
                f[41] = 4; // a 40-byte header in an 8-byte payload
                h.decode(LinkType.RAW, f);
                break;
            }
            case FRAGMENT_HELD:
                h.decode(LinkType.RAW, ipv4("10.0.0.1", "10.0.0.2", UDP, 3, 0, true, new byte[0], new byte[64]));
                break;
            case BAD_FRAGMENT:
                h.decode(LinkType.RAW, ipv4("10.0.0.1", "10.0.0.2", UDP, 3, 65_520, true, new byte[0], new byte[64]));
                break;
            case TRUNCATED_TRANSPORT_HEADER:
                h.decode(LinkType.RAW, ipv4("10.0.0.1", "10.0.0.2", TCP, new byte[12]));
                break;
            case NO_TRANSPORT:
                h.decode(LinkType.RAW, ipv6("2001:db8::1", "2001:db8::2", 59, new byte[0], new byte[0]));
                break;
            default:
                throw new AssertionError("no sample frame for " + reason);
        }
    }

    @ParameterizedTest
    @EnumSource(value = SkipReason.class, mode = EnumSource.Mode.EXCLUDE, names = "BAD_TUNNEL")
    void eachReasonHasAFrameCountedUnderItAlone(SkipReason reason) {
        DecoderHarness h = new DecoderHarness();
        decodeSample(h, reason);
        h.assertOnlySkipped(reason, 1);
    }
}
