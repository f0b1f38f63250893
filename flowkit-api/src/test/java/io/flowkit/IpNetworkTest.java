package io.flowkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import org.junit.jupiter.api.Test;

class IpNetworkTest {

    @Test
    void containsAddressesInsideThePrefixOnly() throws Exception {
        IpNetwork net = IpNetwork.parse("172.16.0.0/12");
        assertThat(net.contains(InetAddress.getByName("172.16.0.1"))).isTrue();
        assertThat(net.contains(InetAddress.getByName("172.31.255.255"))).isTrue();
        assertThat(net.contains(InetAddress.getByName("172.32.0.0"))).isFalse();
        assertThat(net.contains(InetAddress.getByName("172.15.255.255"))).isFalse();
    }

    @Test
    void clearsHostBitsBelowThePrefix() {
        assertThat(IpNetwork.parse("10.1.2.3/8")).isEqualTo(IpNetwork.parse("10.0.0.0/8"));
        assertThat(IpNetwork.parse("10.1.2.3/8").toString()).isEqualTo("10.0.0.0/8");
    }

    @Test
    void parsesIpv6AndPrintsItCompressed() throws Exception {
        IpNetwork net = IpNetwork.parse("2001:db8::/32");
        assertThat(net.isIpv6()).isTrue();
        assertThat(net.toString()).isEqualTo("2001:db8::/32");
        assertThat(net.contains(InetAddress.getByName("2001:db8:ffff::1"))).isTrue();
        assertThat(net.contains(InetAddress.getByName("2001:db9::1"))).isFalse();
        assertThat(net.contains(InetAddress.getByName("10.0.0.1"))).isFalse();
    }

    @Test
    void bareAddressIsAHostNetwork() throws Exception {
        IpNetwork host = IpNetwork.parse("192.168.1.7");
        assertThat(host.prefixLength()).isEqualTo(32);
        assertThat(host.contains(InetAddress.getByName("192.168.1.7"))).isTrue();
        assertThat(host.contains(InetAddress.getByName("192.168.1.8"))).isFalse();
    }

    @Test
    void rejectsMalformedNetworksWithTheValueInTheMessage() {
        for (String bad : new String[] {"10.0.0.0/33", "10.0.0/8", "256.1.1.1/8", "example.com", "10.0.0.0/x", "",
            "::/129", "1.2.3.4/-1"}) {
            assertThatThrownBy(() -> IpNetwork.parse(bad)).as(bad)
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("network");
        }
    }

    @Test
    void neverResolvesHostNames() {
        // a name that would need DNS must be rejected, not looked up
        assertThatThrownBy(() -> IpNetwork.parse("localhost/8")).isInstanceOf(IllegalArgumentException.class);
    }
}
