package io.flowkit.core.internal.scan;

import static io.flowkit.core.internal.scan.Conns.ip;
import static io.flowkit.core.internal.scan.Conns.v4;
import static org.assertj.core.api.Assertions.assertThat;

import io.flowkit.Connection;
import io.flowkit.PortKey;
import io.flowkit.Protocol;
import io.flowkit.ScanDetection;
import io.flowkit.ScanEvent;
import io.flowkit.ScanKind;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ScanDetectorTest {
    private static final long SEC = 1_000_000_000L;
    private static final long T0 = 1_700_000_000L * SEC;

    private final List<ScanEvent> events = new ArrayList<>();

    private ScanDetector detector(ScanDetection settings) {
        return new ScanDetector(settings, List.of(events::add));
    }

    private List<ScanEvent> ofKind(ScanKind kind) {
        return events.stream().filter(e -> e.kind() == kind).toList();
    }

    @Test
    void webServerRepliesToHundredsOfClientPortsRaiseNoEvent() {
        ScanDetector d = detector(ScanDetection.defaults());
        InetAddress server = ip("10.0.0.80");
        InetAddress nat = ip("203.0.113.9");
        for (int i = 0; i < 600; i++) {
            // the clients behind the NAT address opened the connections; the server only answered
            d.onConnection(Conns.record(T0 + i * SEC / 10, nat, 20000 + i, server, 80, Protocol.TCP,
                    io.flowkit.ConnState.SF, "ShADadFf", 6, 5));
            // and the server's answers to connections whose start was not captured
            d.onConnection(Conns.record(T0 + i * SEC / 10, server, 80, nat, 30000 + i, Protocol.TCP,
                    io.flowkit.ConnState.OTH, "^dA", 2, 0));
        }
        assertThat(events).isEmpty();
    }

    @Test
    void dnsServerAnsweringManyClientsRaisesNoEvent() {
        ScanDetector d = detector(ScanDetection.defaults());
        InetAddress dns = ip("10.0.0.53");
        for (int i = 0; i < 500; i++) {
            d.onConnection(Conns.udp(T0 + i * SEC / 100, v4(1000 + i), 30000 + i, dns, 53, true));
        }
        assertThat(events).isEmpty();
    }

    @Test
    void addressScanFiresAtTheThresholdWithTopPortsNotJustTheLastPort() {
        ScanDetector d = detector(ScanDetection.builder().trw(false).build());
        InetAddress scanner = ip("198.51.100.4");
        for (int i = 0; i < 25; i++) {
            int port = i % 5 == 4 ? 22 : 5060;
            d.onConnection(Conns.udp(T0 + i * SEC, scanner, 5060, v4(i + 1), port, false));
        }
        List<ScanEvent> addr = ofKind(ScanKind.ADDRESS_SCAN);
        assertThat(addr).hasSize(1);
        ScanEvent e = addr.get(0);
        assertThat(e.scanner()).isEqualTo(scanner);
        assertThat(e.protocol()).isEqualTo(Protocol.UDP);
        assertThat(e.port()).isEqualTo(-1);
        assertThat(e.distinctHosts()).isEqualTo(25);
        assertThat(e.distinctPorts()).isEqualTo(2);
        assertThat(e.attempts()).isEqualTo(25);
        assertThat(e.failedAttempts()).isEqualTo(25);
        assertThat(e.topPorts()).containsExactly(new ScanEvent.PortCount(5060, 20), new ScanEvent.PortCount(22, 5));
        assertThat(e.firstSeenNanos()).isEqualTo(T0);
        assertThat(e.lastSeenNanos()).isEqualTo(T0 + 24 * SEC);
        assertThat(e.sampleTargets()).hasSize(ScanDetector.SAMPLE).allMatch(a -> a.getAddress()[0] == 10);
        assertThat(e.sampleUids()).hasSize(ScanDetector.SAMPLE);
    }

    @Test
    void addressScanDoesNotFireWhenTheHostsAreSpreadBeyondTheWindow() {
        ScanDetector d = detector(ScanDetection.builder().trw(false).window(Duration.ofMinutes(5)).build());
        for (int i = 0; i < 200; i++) {
            // one new host every 13 s: at most 24 within any 5 minutes
            d.onConnection(Conns.tcp(T0 + i * 13 * SEC, ip("198.51.100.4"), v4(i + 1), 445, true));
        }
        assertThat(ofKind(ScanKind.ADDRESS_SCAN)).isEmpty();
    }

    @Test
    void portScanCountsDistinctPortsOnOneHost() {
        ScanDetector d = detector(ScanDetection.builder().trw(false).build());
        InetAddress scanner = ip("198.51.100.5");
        InetAddress victim = ip("10.1.1.1");
        for (int port = 1; port <= 14; port++) {
            d.onConnection(Conns.rej(T0 + port * SEC, scanner, victim, port));
            d.onConnection(Conns.rej(T0 + port * SEC, scanner, victim, port));
        }
        assertThat(ofKind(ScanKind.PORT_SCAN)).isEmpty();
        d.onConnection(Conns.rej(T0 + 20 * SEC, scanner, victim, 15));
        List<ScanEvent> ps = ofKind(ScanKind.PORT_SCAN);
        assertThat(ps).hasSize(1);
        assertThat(ps.get(0).distinctHosts()).isEqualTo(1);
        assertThat(ps.get(0).distinctPorts()).isEqualTo(15);
        assertThat(ps.get(0).sampleTargets()).containsExactly(victim);
        assertThat(ps.get(0).topPorts().get(0).count()).isEqualTo(2);
    }

    @Test
    void perPortAddressScanUsesThePortsOwnThreshold() {
        ScanDetector d = detector(ScanDetection.builder().trw(false).addressScan(false)
                .portAddressScanThreshold(PortKey.parse("5060/udp"), 30).build());
        InetAddress scanner = ip("198.51.100.6");
        for (int i = 0; i < 29; i++) {
            d.onConnection(Conns.udp(T0 + i * SEC, scanner, 40000, v4(i + 1), 5060, false));
        }
        assertThat(ofKind(ScanKind.PORT_ADDRESS_SCAN)).isEmpty();
        d.onConnection(Conns.udp(T0 + 30 * SEC, scanner, 40000, v4(99), 5060, false));
        List<ScanEvent> pp = ofKind(ScanKind.PORT_ADDRESS_SCAN);
        assertThat(pp).hasSize(1);
        assertThat(pp.get(0).port()).isEqualTo(5060);
        assertThat(pp.get(0).distinctHosts()).isEqualTo(30);
        assertThat(pp.get(0).topPorts()).containsExactly(new ScanEvent.PortCount(5060, 30));
    }

    @Test
    void trwFlagsASourceWhoseFirstContactsAllFailWithinSixAttempts() {
        ScanDetector d = detector(ScanDetection.builder().addressScan(false).portScan(false).portAddressScan(false).build());
        InetAddress scanner = ip("198.51.100.7");
        int attempts = 0;
        while (ofKind(ScanKind.TRW).isEmpty() && attempts < 100) {
            attempts++;
            d.onConnection(Conns.tcp(T0 + attempts * SEC, scanner, v4(attempts), 22, true));
        }
        assertThat(attempts).isLessThanOrEqualTo(6);
        // (1 - 0.2) / (1 - 0.8) = 4 per failure; 4^4 = 256 >= 0.99 / 0.01 > 4^3
        assertThat(attempts).isEqualTo(4);
        ScanEvent e = ofKind(ScanKind.TRW).get(0);
        assertThat(e.distinctHosts()).isEqualTo(4);
        assertThat(e.sampleTargets()).containsExactlyInAnyOrder(v4(1), v4(2), v4(3), v4(4));
    }

    @Test
    void trwNeverFlagsASourceWhoseContactsAllSucceed() {
        ScanDetector d = detector(ScanDetection.defaults());
        InetAddress crawler = ip("198.51.100.8");
        for (int i = 0; i < 5000; i++) {
            d.onConnection(Conns.tcp(T0 + i * SEC / 10, crawler, v4(i + 1), 443, false));
        }
        assertThat(events).isEmpty();
    }

    @Test
    void trwCountsOnlyFirstContacts() {
        ScanDetector d = detector(ScanDetection.builder().addressScan(false).portScan(false).portAddressScan(false).build());
        InetAddress client = ip("198.51.100.9");
        // three servers answer, then one of them keeps refusing: repeats to a known host are not observations
        for (int i = 1; i <= 3; i++) {
            d.onConnection(Conns.tcp(T0 + i * SEC, client, v4(i), 80, false));
        }
        for (int i = 0; i < 50; i++) {
            d.onConnection(Conns.rej(T0 + (10 + i) * SEC, client, v4(1), 80));
        }
        assertThat(events).isEmpty();
    }

    @Test
    void unreachablesCountAsFailedAttemptsBeforeTheRecordsArrive() {
        ScanDetector d = detector(ScanDetection.builder().trw(false).build());
        long scannerLo = Ip128.V4_MAPPED | 0xC6336407L; // 198.51.100.7
        long targetLo = Ip128.V4_MAPPED | 0x0A010101L; // 10.1.1.1
        for (int port = 1; port <= 15; port++) {
            d.onUnreachable(T0 + port * SEC / 100, 0, scannerLo, 0, targetLo, port, Protocol.UDP);
        }
        List<ScanEvent> ps = ofKind(ScanKind.PORT_SCAN);
        assertThat(ps).hasSize(1);
        assertThat(ps.get(0).scanner()).isEqualTo(ip("198.51.100.7"));
        assertThat(ps.get(0).sampleTargets()).containsExactly(ip("10.1.1.1"));
        assertThat(ps.get(0).protocol()).isEqualTo(Protocol.UDP);
        assertThat(ps.get(0).sampleUids()).isEmpty();
    }

    @Test
    void ipv6ScannersAreTrackedApartFromIpv4() {
        ScanDetector d = detector(ScanDetection.builder().trw(false).build());
        InetAddress scanner = ip("2001:db8::7");
        for (int port = 1; port <= 15; port++) {
            d.onConnection(Conns.tcp(T0 + port * SEC, scanner, ip("2001:db8::1:1"), port, true));
        }
        assertThat(ofKind(ScanKind.PORT_SCAN)).singleElement()
                .satisfies(e -> assertThat(e.scanner()).isEqualTo(scanner))
                .satisfies(e -> assertThat(e.sampleTargets()).containsExactly(ip("2001:db8::1:1")));
    }

    private void portScan(ScanDetector d, InetAddress scanner, InetAddress victim, int firstPort, long start) {
        for (int port = firstPort; port < firstPort + 15; port++) {
            d.onConnection(Conns.rej(start + (port - firstPort) * SEC / 100, scanner, victim, port));
        }
    }

    @Test
    void allowedSourcesNeverScan() {
        ScanDetector d = detector(ScanDetection.builder().allowSources("198.51.100.0/24").build());
        portScan(d, ip("198.51.100.10"), ip("10.1.1.1"), 1, T0);
        assertThat(events).isEmpty();
        portScan(d, ip("192.0.2.10"), ip("10.1.1.1"), 1, T0 + SEC);
        assertThat(ofKind(ScanKind.PORT_SCAN)).hasSize(1);
    }

    @Test
    void allowedDestinationsAndPortsAreNotCounted() {
        ScanDetector d = detector(ScanDetection.builder().allowDestinations("10.9.0.0/16", "2001:db8::/32")
                .allowPorts("7/tcp").build());
        portScan(d, ip("192.0.2.10"), ip("10.9.3.3"), 1, T0);
        portScan(d, ip("192.0.2.10"), ip("2001:db8::3"), 1, T0);
        assertThat(events).isEmpty();
        // 15 ports of which 7/tcp is allowed: 14 counted, below the threshold
        portScan(d, ip("192.0.2.10"), ip("10.8.3.3"), 1, T0);
        assertThat(events).isEmpty();
        d.onConnection(Conns.rej(T0 + SEC, ip("192.0.2.10"), ip("10.8.3.3"), 16));
        assertThat(ofKind(ScanKind.PORT_SCAN)).hasSize(1);
    }

    @Test
    void suppressesRepeatsAndReportsTheirCountWithTheNextEvent() {
        ScanDetector d = detector(ScanDetection.builder().trw(false).suppressionInterval(Duration.ofMinutes(10)).build());
        InetAddress scanner = ip("192.0.2.11");
        InetAddress victim = ip("10.1.1.1");
        portScan(d, scanner, victim, 1, T0);
        portScan(d, scanner, victim, 100, T0 + 60 * SEC);
        portScan(d, scanner, victim, 200, T0 + 120 * SEC);
        assertThat(ofKind(ScanKind.PORT_SCAN)).hasSize(1);
        assertThat(ofKind(ScanKind.PORT_SCAN).get(0).suppressedRepeats()).isZero();
        // keep the source active past the interval, then scan again
        for (int m = 3; m <= 11; m++) {
            d.onConnection(Conns.tcp(T0 + m * 60 * SEC, scanner, victim, 443, false));
        }
        portScan(d, scanner, victim, 300, T0 + 11 * 60 * SEC);
        assertThat(ofKind(ScanKind.PORT_SCAN)).hasSize(2);
        assertThat(ofKind(ScanKind.PORT_SCAN).get(1).suppressedRepeats()).isEqualTo(2);
    }

    @Test
    void suppressionOutlivesTheIdleExpiryOfTheSource() {
        ScanDetector d = detector(ScanDetection.builder().trw(false).window(Duration.ofMinutes(1))
                .suppressionInterval(Duration.ofMinutes(30)).build());
        InetAddress scanner = ip("192.0.2.12");
        portScan(d, scanner, ip("10.1.1.1"), 1, T0);
        // silent for 20 minutes, far beyond the window, then the same scan again
        portScan(d, scanner, ip("10.1.1.1"), 1, T0 + 20 * 60 * SEC);
        assertThat(ofKind(ScanKind.PORT_SCAN)).hasSize(1);
        portScan(d, scanner, ip("10.1.1.1"), 1, T0 + 29 * 60 * SEC + 30 * SEC);
        assertThat(ofKind(ScanKind.PORT_SCAN)).hasSize(1);
        // the interval has passed: the next crossing is delivered and carries both repeats
        portScan(d, scanner, ip("10.1.1.1"), 1, T0 + 30 * 60 * SEC + 12 * SEC);
        assertThat(ofKind(ScanKind.PORT_SCAN)).hasSize(2);
        assertThat(ofKind(ScanKind.PORT_SCAN).get(1).suppressedRepeats()).isEqualTo(2);
    }

    @Test
    void perPortEventsAreSuppressedPerPort() {
        ScanDetector d = detector(ScanDetection.builder().trw(false).addressScan(false).portScan(false)
                .portAddressScanThreshold(5).build());
        InetAddress scanner = ip("192.0.2.13");
        for (int i = 0; i < 5; i++) {
            d.onConnection(Conns.tcp(T0 + i * SEC, scanner, v4(i + 1), 22, true));
            d.onConnection(Conns.tcp(T0 + i * SEC, scanner, v4(i + 1), 23, true));
        }
        assertThat(ofKind(ScanKind.PORT_ADDRESS_SCAN)).extracting(ScanEvent::port).containsExactly(22, 23);
    }

    /**
     * The originator-port vote of attempts that waited in the first-contact table carries over
     * when the source is promoted: port 53 sent 17 of the 25 attempts, short of the three
     * quarters a dominant port needs once the table's three are counted (with only the 22 after
     * the promotion counted it would look dominant, and the hint would say DNS replies).
     */
    @Test
    void originatorPortsSeenInTheFirstContactTableCountAfterPromotion() {
        ScanDetector d = detector(ScanDetection.builder().build());
        InetAddress source = ip("192.0.2.30");
        int n = 0;
        for (int port : new int[] {1001, 1002, 1003}) {
            n++;
            d.onConnection(Conns.udp(T0 + n * SEC, source, port, v4(n), 30000 + n, false));
        }
        for (int i = 0; i < 22; i++) {
            n++;
            d.onConnection(Conns.udp(T0 + n * SEC, source, i < 17 ? 53 : 2000 + i, v4(n), 30000 + n, false));
        }
        // no dominant originator port: the random target ports name it, not port 53
        assertThat(ofKind(ScanKind.ADDRESS_SCAN)).singleElement().extracting(ScanEvent::hint)
                .isEqualTo("p2p-random-ports");
    }

    @Test
    void hintsNameBenignFanOutSignatures() {
        ScanDetector d = detector(ScanDetection.builder().trw(false).portAddressScan(false).build());
        for (int i = 0; i < 25; i++) {
            d.onConnection(Conns.udp(T0 + i * SEC, ip("192.0.2.20"), 51413, v4(i + 1), 6881 + i % 3, false));
            d.onConnection(Conns.echo(T0 + i * SEC, ip("192.0.2.21"), v4(i + 1), false));
            d.onConnection(Conns.udp(T0 + i * SEC, ip("192.0.2.22"), 53, v4(i + 1), 30000 + i, false));
            d.onConnection(Conns.udp(T0 + i * SEC, ip("192.0.2.23"), 40000 + i, v4(i + 1), 20000 + 7 * i, false));
            d.onConnection(Conns.tcp(T0 + i * SEC, ip("192.0.2.24"), v4(i + 1), 445, true));
        }
        List<ScanEvent> addr = ofKind(ScanKind.ADDRESS_SCAN);
        assertThat(addr).hasSize(5);
        assertThat(addr).filteredOn(e -> e.scanner().equals(ip("192.0.2.20"))).singleElement()
                .extracting(ScanEvent::hint).isEqualTo("bittorrent");
        assertThat(addr).filteredOn(e -> e.scanner().equals(ip("192.0.2.21"))).singleElement()
                .satisfies(e -> assertThat(e.protocol()).isEqualTo(Protocol.ICMP))
                .extracting(ScanEvent::hint).isEqualTo("icmp-echo-sweep");
        assertThat(addr).filteredOn(e -> e.scanner().equals(ip("192.0.2.22"))).singleElement()
                .extracting(ScanEvent::hint).isEqualTo("dns-server-replies");
        assertThat(addr).filteredOn(e -> e.scanner().equals(ip("192.0.2.23"))).singleElement()
                .extracting(ScanEvent::hint).isEqualTo("p2p-random-ports");
        assertThat(addr).filteredOn(e -> e.scanner().equals(ip("192.0.2.24"))).singleElement()
                .extracting(ScanEvent::hint).isNull();
    }

    @Test
    void aThrowingListenerIsCountedAndTheOthersStillRun() {
        List<ScanEvent> seen = new ArrayList<>();
        ScanDetector d = new ScanDetector(ScanDetection.builder().trw(false).build(),
                List.of(e -> {
                    throw new IllegalStateException("listener bug");
                }, seen::add));
        portScan(d, ip("192.0.2.30"), ip("10.1.1.1"), 1, T0);
        portScan(d, ip("192.0.2.31"), ip("10.1.1.1"), 1, T0);
        assertThat(seen).hasSize(2);
        assertThat(d.listenerFailures()).isEqualTo(2);
    }

    @Test
    void idleSourcesAreForgottenAfterTheWindow() {
        ScanDetector d = detector(ScanDetection.builder().window(Duration.ofMinutes(5)).build());
        for (int i = 0; i < 100; i++) {
            d.onConnection(Conns.tcp(T0, v4(i + 1), ip("10.200.0.1"), 80, true));
        }
        assertThat(d.trackedSources()).isEqualTo(100);
        d.advanceTime(T0 + 5 * 60 * SEC - 1);
        assertThat(d.trackedSources()).isEqualTo(100);
        // memory is reclaimed by Caffeine's timer wheel, whose buckets are about a minute wide here
        d.advanceTime(T0 + 7 * 60 * SEC);
        assertThat(d.trackedSources()).isZero();
    }

    private static Connection flushed(Connection c) {
        return new Connection(c.uid(), c.startNanos(), c.origAddress(), c.origPort(), c.respAddress(), c.respPort(),
                c.protocol(), c.ipProto(), c.service(), c.durationNanos(), c.origBytes(), c.respBytes(), c.state(),
                c.localOrig(), c.localResp(), c.missedBytes(), c.history(), c.origPackets(), c.origIpBytes(),
                c.respPackets(), c.respIpBytes(), c.tunnelParents(), io.flowkit.CloseReason.END_OF_INPUT);
    }

    @Test
    void judgesRecordsFlushedAtEndOfInputInTheOrderTheirAttemptsStarted() {
        ScanDetector d = detector(ScanDetection.builder().addressScan(false).portScan(false).portAddressScan(false).build());
        InetAddress peer = ip("192.0.2.50");
        // the flush hands over the four failures first, although five successes came before them
        for (int i = 6; i <= 9; i++) {
            d.onConnection(flushed(Conns.udp(T0 + i * SEC, peer, 6881, v4(i), 6881, false)));
        }
        for (int i = 1; i <= 5; i++) {
            d.onConnection(flushed(Conns.udp(T0 + i * SEC, peer, 6881, v4(i), 6881, true)));
        }
        assertThat(events).isEmpty();
        d.endOfInput();
        // in start order: four successes clear the peer, the fifth leaves 1/4, four failures reach 64 < 99
        assertThat(events).isEmpty();
    }

    @Test
    void holdsFlushedRecordsUntilTheEndOfInput() {
        ScanDetector d = detector(ScanDetection.builder().addressScan(false).portScan(false).portAddressScan(false).build());
        for (int i = 1; i <= 4; i++) {
            d.onConnection(flushed(Conns.tcp(T0 + i * SEC, ip("192.0.2.51"), v4(i), 22, true)));
        }
        assertThat(events).isEmpty();
        d.endOfInput();
        assertThat(ofKind(ScanKind.TRW)).hasSize(1);
    }

    @Test
    void firesOnAFirstAttemptWhenAThresholdIsOne() {
        ScanDetector d = detector(ScanDetection.builder().trw(false).addressScan(false).portScan(false)
                .portAddressScanThreshold(PortKey.parse("23/tcp"), 1).build());
        d.onConnection(Conns.tcp(T0, ip("192.0.2.60"), ip("10.1.1.1"), 23, true));
        assertThat(ofKind(ScanKind.PORT_ADDRESS_SCAN)).singleElement().extracting(ScanEvent::port).isEqualTo(23);
    }

    @Test
    void countsANewSourcesFirstAttemptOnceItsSecondArrives() {
        ScanDetector d = detector(ScanDetection.builder().trw(false).portScan(false).portAddressScan(false)
                .addressScanThreshold(2).build());
        d.onConnection(Conns.tcp(T0, ip("192.0.2.61"), ip("10.1.1.1"), 23, true));
        assertThat(events).isEmpty();
        d.onConnection(Conns.tcp(T0 + SEC, ip("192.0.2.61"), ip("10.1.1.2"), 23, true));
        assertThat(ofKind(ScanKind.ADDRESS_SCAN)).singleElement()
                .satisfies(e -> assertThat(e.sampleTargets()).containsExactlyInAnyOrder(ip("10.1.1.1"), ip("10.1.1.2")))
                .satisfies(e -> assertThat(e.firstSeenNanos()).isEqualTo(T0));
    }

    @Test
    void replaysWaitingAttemptsAgainstTheWindowAsItWasWhenEachCame() {
        ScanDetector d = detector(ScanDetection.builder().addressScan(false).portScan(false).portAddressScan(false)
                .window(Duration.ofSeconds(60)).build());
        InetAddress source = ip("192.0.2.62");
        // the second failure to 10.1.1.1 comes within the window of the first: not a new first contact
        d.onConnection(Conns.tcp(T0, source, ip("10.1.1.1"), 22, true));
        d.onConnection(Conns.tcp(T0 + 50 * SEC, source, ip("10.1.1.1"), 22, true));
        d.onConnection(Conns.tcp(T0 + 100 * SEC, source, ip("10.1.1.2"), 22, true));
        // the fourth failure promotes the source; judged at once, three first contacts failed
        d.onConnection(Conns.tcp(T0 + 110 * SEC, source, ip("10.1.1.3"), 22, true));
        assertThat(events).isEmpty();
        d.onConnection(Conns.tcp(T0 + 115 * SEC, source, ip("10.1.1.4"), 22, true));
        assertThat(ofKind(ScanKind.TRW)).singleElement()
                .satisfies(e -> assertThat(e.distinctHosts()).isEqualTo(4))
                .satisfies(e -> assertThat(e.attempts()).isEqualTo(5))
                .satisfies(e -> assertThat(e.failedAttempts()).isEqualTo(5));
    }

    @Test
    void ignoresRecordsThatAreNotAttempts() {
        ScanDetector d = detector(ScanDetection.builder().addressScanThreshold(1).portScanThreshold(1)
                .portAddressScanThreshold(1).build());
        Connection icmpReply = Conns.record(T0, ip("192.0.2.40"), 0, ip("10.1.1.1"), 0, Protocol.ICMP,
                io.flowkit.ConnState.OTH, "", 1, 0);
        Connection unreachable = Conns.record(T0, ip("192.0.2.40"), 3, ip("10.1.1.1"), 3, Protocol.ICMP,
                io.flowkit.ConnState.OTH, "", 1, 0);
        d.onConnection(icmpReply);
        d.onConnection(unreachable);
        assertThat(events).isEmpty();
        assertThat(d.trackedSources()).isZero();
    }
}
