package io.flowkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PortKeyTest {

    @Test
    void equalsExactlyWhenPortAndProtocolAreEqual() {
        PortKey tcp22 = PortKey.parse("22/tcp");
        assertThat(tcp22).isEqualTo(new PortKey(22, Protocol.TCP)).hasSameHashCodeAs(new PortKey(22, Protocol.TCP));
        assertThat(tcp22).isNotEqualTo(new PortKey(22, Protocol.UDP)).isNotEqualTo(new PortKey(23, Protocol.TCP))
                .isNotEqualTo("22/tcp").isNotEqualTo(null);
    }

    @Test
    void hashesEveryPortAndProtocolApartAsASetKey() {
        Set<PortKey> keys = new HashSet<>();
        Set<Integer> hashes = new HashSet<>();
        for (Protocol p : new Protocol[] {Protocol.TCP, Protocol.UDP, Protocol.ICMP}) {
            for (int port = 0; port <= 0xFFFF; port++) {
                keys.add(new PortKey(port, p));
                hashes.add(new PortKey(port, p).hashCode());
            }
        }
        assertThat(keys).hasSize(3 * 65536).contains(PortKey.parse("5060/udp"));
        assertThat(hashes).hasSize(3 * 65536);
    }
}
