package io.flowkit.core.internal.scan;

import static io.flowkit.core.internal.scan.Conns.ip;
import static org.assertj.core.api.Assertions.assertThat;

import io.flowkit.IpNetwork;
import java.net.InetAddress;
import java.util.Random;
import org.junit.jupiter.api.Test;

class Ip128Test {

    @Test
    void readsIpv4AddressesWithoutCopyingAndMatchesGetAddress() throws Exception {
        Random rnd = new Random(7);
        for (int i = 0; i < 10_000; i++) {
            byte[] b = new byte[4];
            rnd.nextBytes(b);
            InetAddress a = InetAddress.getByAddress(b);
            long v4 = ((b[0] & 0xFFL) << 24) | ((b[1] & 0xFFL) << 16) | ((b[2] & 0xFFL) << 8) | (b[3] & 0xFFL);
            assertThat(Ip128.hi(a)).isZero();
            assertThat(Ip128.lo(a)).isEqualTo(Ip128.V4_MAPPED | v4);
            assertThat(Ip128.toInetAddress(Ip128.hi(a), Ip128.lo(a))).isEqualTo(a);
        }
    }

    @Test
    void roundTripsIpv6Addresses() {
        InetAddress a = ip("2001:db8:1:2:3:4:5:6");
        assertThat(Ip128.hi(a)).isEqualTo(0x2001_0db8_0001_0002L);
        assertThat(Ip128.lo(a)).isEqualTo(0x0003_0004_0005_0006L);
        assertThat(Ip128.toInetAddress(Ip128.hi(a), Ip128.lo(a))).isEqualTo(a);
    }

    @Test
    void networksContainExactlyTheirAddressesAcrossFamilies() {
        Ip128.Net v4 = new Ip128.Net(IpNetwork.parse("10.1.0.0/16"));
        Ip128.Net v6 = new Ip128.Net(IpNetwork.parse("2001:db8::/32"));
        Ip128.Net all4 = new Ip128.Net(IpNetwork.parse("0.0.0.0/0"));
        Ip128.Net host6 = new Ip128.Net(IpNetwork.parse("2001:db8::1"));
        InetAddress in4 = ip("10.1.200.3");
        InetAddress out4 = ip("10.2.0.1");
        InetAddress in6 = ip("2001:db8:ffff::1");
        assertThat(v4.contains(Ip128.hi(in4), Ip128.lo(in4))).isTrue();
        assertThat(v4.contains(Ip128.hi(out4), Ip128.lo(out4))).isFalse();
        assertThat(v4.contains(Ip128.hi(in6), Ip128.lo(in6))).isFalse();
        assertThat(v6.contains(Ip128.hi(in6), Ip128.lo(in6))).isTrue();
        assertThat(v6.contains(Ip128.hi(in4), Ip128.lo(in4))).isFalse();
        assertThat(all4.contains(Ip128.hi(out4), Ip128.lo(out4))).isTrue();
        assertThat(all4.contains(Ip128.hi(in6), Ip128.lo(in6))).isFalse();
        assertThat(host6.contains(0x2001_0db8_0000_0000L, 1)).isTrue();
        assertThat(host6.contains(0x2001_0db8_0000_0000L, 2)).isFalse();
    }
}
