package io.flowkit.core.internal.decode;

import static io.flowkit.core.internal.decode.DecoderHarness.hi;
import static io.flowkit.core.internal.decode.DecoderHarness.lo;
import static io.flowkit.core.internal.decode.DecoderHarness.v4;
import static org.assertj.core.api.Assertions.assertThat;

import io.flowkit.IpNetwork;
import java.util.List;
import org.junit.jupiter.api.Test;

class NetworkSetTest {

    private static NetworkSet of(String... cidrs) {
        return new NetworkSet(List.of(cidrs).stream().map(IpNetwork::parse).toList());
    }

    @Test
    void matchesIpv4PrefixesOfEveryLengthOnMappedAddresses() {
        NetworkSet s = of("10.1.0.0/16", "192.168.1.7/32", "172.16.0.0/12");
        assertThat(s.contains(0, v4("10.1.200.3"))).isTrue();
        assertThat(s.contains(0, v4("10.2.0.1"))).isFalse();
        assertThat(s.contains(0, v4("192.168.1.7"))).isTrue();
        assertThat(s.contains(0, v4("192.168.1.8"))).isFalse();
        assertThat(s.contains(0, v4("172.31.255.255"))).isTrue();
        assertThat(s.contains(0, v4("172.32.0.0"))).isFalse();
    }

    @Test
    void ipv4NetworksNeverMatchNativeIpv6AndViceVersa() {
        NetworkSet all4 = of("0.0.0.0/0");
        assertThat(all4.contains(0, v4("8.8.8.8"))).isTrue();
        assertThat(all4.contains(hi("2001:db8::1"), lo("2001:db8::1"))).isFalse();
        assertThat(all4.contains(0, 1)).as("::1").isFalse();
        NetworkSet all6 = of("::/0");
        assertThat(all6.contains(hi("2001:db8::1"), lo("2001:db8::1"))).isTrue();
    }

    @Test
    void matchesIpv6PrefixesAcrossTheWordBoundary() {
        NetworkSet s = of("2001:db8:0:0:8000::/65", "fe80::1/128");
        assertThat(s.contains(hi("2001:db8::8000:0:0:1"), lo("2001:db8::8000:0:0:1"))).isTrue();
        assertThat(s.contains(hi("2001:db8::7fff:0:0:1"), lo("2001:db8::7fff:0:0:1"))).isFalse();
        assertThat(s.contains(hi("fe80::1"), lo("fe80::1"))).isTrue();
        assertThat(s.contains(hi("fe80::2"), lo("fe80::2"))).isFalse();
        assertThat(of().isEmpty()).isTrue();
        assertThat(of().contains(0, v4("1.2.3.4"))).isFalse();
    }
}
