package io.flowkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class FlowTrackerBuilderTest {

    @Test
    void defaultsAreZeeks() {
        TrackerConfig c = FlowTracker.builder().config();
        assertThat(c.tcpInactivityTimeout()).isEqualTo(Duration.ofMinutes(5));
        assertThat(c.udpInactivityTimeout()).isEqualTo(Duration.ofMinutes(1));
        assertThat(c.icmpInactivityTimeout()).isEqualTo(Duration.ofMinutes(1));
        assertThat(c.tcpAttemptTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(c.tcpCloseTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(c.tcpResetTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(c.portInactivityTimeouts()).containsEntry(PortKey.parse("22/tcp"), Duration.ofHours(1))
                .containsEntry(PortKey.parse("513/tcp"), Duration.ofHours(1));
        assertThat(c.ignoreChecksums()).isFalse();
        assertThat(c.maxTunnelDepth()).isEqualTo(4);
        assertThat(c.scanDetection()).isNull();
    }

    @Test
    void rejectsNegativeTimeoutNamingTheOption() {
        assertThatThrownBy(() -> FlowTracker.builder().tcpInactivityTimeout(Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("tcpInactivityTimeout").hasMessageContaining("-1");
        assertThatThrownBy(() -> FlowTracker.builder().udpInactivityTimeout(Duration.ZERO))
                .hasMessageContaining("udpInactivityTimeout");
    }

    @Test
    void tunnelDepthAcceptsZeroToSixteenAndRejectsTheRestNamingIt() {
        assertThat(FlowTracker.builder().maxTunnelDepth(0).config().maxTunnelDepth()).isZero();
        assertThat(FlowTracker.builder().maxTunnelDepth(16).config().maxTunnelDepth()).isEqualTo(16);
        assertThatThrownBy(() -> FlowTracker.builder().maxTunnelDepth(-1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxTunnelDepth")
                .hasMessageContaining("-1");
        assertThatThrownBy(() -> FlowTracker.builder().maxTunnelDepth(17))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("17");
    }

    @Test
    void rejectsZeroMaxConnections() {
        assertThatThrownBy(() -> FlowTracker.builder().maxConnections(0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxConnections");
    }

    @Test
    void rejectsThreadCountsOutsideOneTo256AndKeepsValidOnes() {
        assertThatThrownBy(() -> FlowTracker.builder().threads(0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("threads").hasMessageContaining("0");
        assertThatThrownBy(() -> FlowTracker.builder().threads(257))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("257");
        assertThat(FlowTracker.builder().config().threads()).isEqualTo(1);
        assertThat(FlowTracker.builder().threads(256).config().threads()).isEqualTo(256);
    }

    @Test
    void rejectsMalformedCidrNamingIt() {
        assertThatThrownBy(() -> FlowTracker.builder().localNetworks("10.0.0.0/8", "10.0.0.0/40"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("10.0.0.0/40");
    }

    @Test
    void rejectsMalformedPortSpec() {
        assertThatThrownBy(() -> FlowTracker.builder().likelyServerPorts("80/tcp", "http"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("http");
        assertThatThrownBy(() -> PortKey.parse("70000/tcp")).hasMessageContaining("70000");
        assertThatThrownBy(() -> PortKey.parse("53/sctp")).hasMessageContaining("sctp");
    }

    @Test
    void perPortTimeoutOverridesTheDefault() {
        TrackerConfig c = FlowTracker.builder().inactivityTimeout(PortKey.parse("22/tcp"), Duration.ofHours(8))
                .inactivityTimeout(PortKey.parse("5060/udp"), Duration.ofMinutes(10)).config();
        assertThat(c.portInactivityTimeouts()).containsEntry(PortKey.parse("22/tcp"), Duration.ofHours(8))
                .containsEntry(PortKey.parse("5060/udp"), Duration.ofMinutes(10));
    }

    @Test
    void registeringAScanListenerTurnsOnDefaultScanDetection() {
        TrackerConfig c = FlowTracker.builder().scanListener(e -> { }).config();
        assertThat(c.scanDetection()).isNotNull();
        assertThat(c.scanDetection().addressScanThreshold()).isEqualTo(25);
        assertThat(c.scanDetection().portScanThreshold()).isEqualTo(15);
        assertThat(c.scanDetection().maxSources()).isEqualTo(20_000);
    }

    @Test
    void configIsImmutableAfterBuild() {
        FlowTracker.Builder b = FlowTracker.builder().localNetworks("10.0.0.0/8");
        TrackerConfig c = b.config();
        b.localNetworks("192.168.0.0/16");
        assertThat(c.localNetworks()).containsExactly(IpNetwork.parse("10.0.0.0/8"));
        assertThatThrownBy(() -> c.connectionListeners().add(x -> { }))
                .isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void buildWithoutAnEngineSaysWhatIsMissing() {
        // flowkit-api's tests run without flowkit-core on the class path
        assertThatThrownBy(() -> FlowTracker.builder().build())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("flowkit-core");
    }

    @Test
    void scanDetectionRejectsInconsistentTrwParameters() {
        assertThatThrownBy(() -> ScanDetection.builder().trwParameters(0.2, 0.8, 0.01, 0.99).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("theta1");
        assertThatThrownBy(() -> ScanDetection.builder().trwParameters(0.8, 0.2, 1.5, 0.99))
                .hasMessageContaining("alpha");
        assertThatThrownBy(() -> ScanDetection.builder().addressScanThreshold(0))
                .hasMessageContaining("addressScanThreshold");
    }

    @Test
    void boundListenersAreKeptInOrderAndNullIsRejected() {
        BoundListener a = (bound, limit) -> { };
        BoundListener b = (bound, limit) -> { };
        TrackerConfig c = FlowTracker.builder().boundListener(a).boundListener(b).config();
        assertThat(c.boundListeners()).containsExactly(a, b);
        assertThatThrownBy(() -> FlowTracker.builder().boundListener(null))
                .isInstanceOf(NullPointerException.class).hasMessageContaining("boundListener");
    }

    @Test
    void compressorPendingTimeoutDefaultsToTheAttemptTimeoutAndMustBePositive() {
        assertThat(Compressor.defaults().pendingTimeout()).isEmpty();
        assertThat(Compressor.builder().pendingTimeout(Duration.ofSeconds(1)).build().pendingTimeout())
                .contains(Duration.ofSeconds(1));
        assertThatThrownBy(() -> Compressor.builder().pendingTimeout(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("pendingTimeout");
    }
}
