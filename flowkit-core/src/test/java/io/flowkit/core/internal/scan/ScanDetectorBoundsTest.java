package io.flowkit.core.internal.scan;

import static io.flowkit.core.internal.scan.Conns.ip;
import static org.assertj.core.api.Assertions.assertThat;

import io.flowkit.Connection;
import io.flowkit.ScanDetection;
import io.flowkit.ScanEvent;
import io.flowkit.ScanKind;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Memory bounds and the allocation-free path of the scan detector. */
class ScanDetectorBoundsTest {
    private static final long SEC = 1_000_000_000L;
    private static final long T0 = 1_700_000_000L * SEC;

    private static InetAddress spoofed(int i) throws UnknownHostException {
        return InetAddress.getByAddress(new byte[] {(byte) (11 + (i >>> 24)), (byte) (i >>> 16), (byte) (i >>> 8), (byte) i});
    }

    private static long usedHeapAfterGc() {
        Runtime rt = Runtime.getRuntime();
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return rt.totalMemory() - rt.freeMemory();
    }

    @Test
    void aMillionSpoofedSourcesStayWithinMaxSourcesAndARealScannerIsStillDetected() throws Exception {
        int maxSources = 10_000;
        List<ScanEvent> events = new ArrayList<>();
        ScanDetector d = new ScanDetector(ScanDetection.builder().maxSources(maxSources).build(), List.of(events::add));
        InetAddress victim = ip("10.0.0.1");
        InetAddress scanner = ip("203.0.113.66");
        long before = usedHeapAfterGc();
        int scannerProbes = 0;
        for (int i = 0; i < 1_000_000; i++) {
            long t = T0 + i * (SEC / 100_000);
            // one SYN from each spoofed source, never answered
            d.onConnection(Conns.tcp(t, spoofed(i), victim, 80, true));
            if (i % 200 == 0 && scannerProbes < 60) {
                // the scanner's probes to dark addresses arrive among the flood
                scannerProbes++;
                d.onConnection(Conns.tcp(t, scanner, Conns.v4(0x0101_00 + scannerProbes), 445, true));
            }
            if (i % 100_000 == 0) {
                assertThat(d.trackedSources()).isLessThanOrEqualTo(maxSources);
            }
        }
        assertThat(d.trackedSources()).isLessThanOrEqualTo(maxSources);
        long retained = usedHeapAfterGc() - before;
        System.out.printf("spoofed flood: %d sources tracked, %d bytes retained%n", d.trackedSources(), retained);
        // a source seen once costs a few hundred bytes; a million of them would not fit in this JVM
        assertThat(retained).isLessThan(maxSources * 1_000L + 8L * 1024 * 1024);
        assertThat(events).filteredOn(e -> e.scanner().equals(scanner)).extracting(ScanEvent::kind)
                .contains(ScanKind.TRW, ScanKind.ADDRESS_SCAN);
        assertThat(events).allMatch(e -> e.scanner().equals(scanner));
    }

    @Test
    void attemptsOfKnownSourcesAllocateNothingEvenWithTheCacheNearlyFull() {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        List<ScanEvent> events = new ArrayList<>();
        // 40 sources in a cache of 64: Caffeine's frequency sketch is active above half full
        ScanDetector d = new ScanDetector(ScanDetection.builder().maxSources(64).build(), List.of(events::add));
        List<Connection> attempts = new ArrayList<>();
        for (int s = 0; s < 40; s++) {
            InetAddress source = Conns.v4(0x30_0000 + s);
            for (int h = 0; h < 5; h++) {
                for (int p = 0; p < 3; p++) {
                    boolean answered = (h + p) % 2 == 0;
                    attempts.add(answered ? Conns.tcp(T0 + h * SEC, source, Conns.v4(h + 1), 20 + p, false)
                            : Conns.rej(T0 + h * SEC, source, Conns.v4(h + 1), 20 + p));
                }
            }
        }
        Connection[] batch = attempts.toArray(new Connection[0]);
        for (int round = 0; round < 500; round++) {
            for (Connection c : batch) {
                d.onConnection(c);
            }
        }
        int eventsAfterWarmUp = events.size();
        // the least of five windows: a recompilation that happens to fall into one window runs
        // a stretch in the interpreter, which allocates what compiled code does not; an
        // allocation per attempt shows in every window
        long allocated = Long.MAX_VALUE;
        for (int window = 0; window < 5; window++) {
            long start = threads.getCurrentThreadAllocatedBytes();
            for (int round = 0; round < 50; round++) {
                // an array, not a list: a list's iterator would be the only allocation measured
                for (Connection c : batch) {
                    d.onConnection(c);
                }
            }
            allocated = Math.min(allocated, threads.getCurrentThreadAllocatedBytes() - start);
        }
        assertThat(d.trackedSources()).isEqualTo(40);
        assertThat(events).hasSize(eventsAfterWarmUp);
        // 30,000 attempts, zero bytes; the measurement itself may cost a few
        assertThat(allocated).isLessThan(64);
    }

    private static Connection flushed(Connection c) {
        return new Connection(c.uid(), c.startNanos(), c.origAddress(), c.origPort(), c.respAddress(), c.respPort(),
                c.protocol(), c.ipProto(), c.service(), c.durationNanos(), c.origBytes(), c.respBytes(), c.state(),
                c.localOrig(), c.localResp(), c.missedBytes(), c.history(), c.origPackets(), c.origIpBytes(),
                c.respPackets(), c.respIpBytes(), c.tunnelParents(), io.flowkit.CloseReason.END_OF_INPUT);
    }

    @Test
    void aFloodOfOneSynSourcesNeverEvictsAScannersFullState() throws Exception {
        List<ScanEvent> events = new ArrayList<>();
        ScanDetector d = new ScanDetector(ScanDetection.builder().trw(false).maxSources(1_000).build(), List.of(events::add));
        InetAddress scanner = ip("203.0.113.67");
        for (int h = 1; h <= 20; h++) {
            d.onConnection(Conns.tcp(T0 + h * SEC / 1000, scanner, Conns.v4(h), 445, true));
        }
        for (int i = 0; i < 200_000; i++) {
            d.onConnection(Conns.tcp(T0 + SEC, spoofed(i), ip("10.0.0.1"), 80, true));
        }
        assertThat(d.fullState()[0]).isEqualTo(1);
        assertThat(d.evictedSources()).isZero();
        assertThat(d.evictedFirstContacts()).isGreaterThan(190_000);
        for (int h = 21; h <= 25; h++) {
            d.onConnection(Conns.tcp(T0 + 2 * SEC, scanner, Conns.v4(h), 445, true));
        }
        // the 20 probes before the flood still count: the event spans them all
        assertThat(events).singleElement()
                .satisfies(e -> assertThat(e.kind()).isEqualTo(ScanKind.ADDRESS_SCAN))
                .satisfies(e -> assertThat(e.distinctHosts()).isEqualTo(25))
                .satisfies(e -> assertThat(e.firstSeenNanos()).isEqualTo(T0 + SEC / 1000));
    }

    @Test
    void aScannerWhoseProbesAreFartherApartThanTheTableIsLargeIsStillDetected() throws Exception {
        List<ScanEvent> events = new ArrayList<>();
        ScanDetector d = new ScanDetector(ScanDetection.builder().maxSources(10_000).build(), List.of(events::add));
        InetAddress scanner = ip("203.0.113.70");
        int probes = 0;
        for (int i = 0; i < 1_500_000; i++) {
            long t = T0 + i * (SEC / 100_000);
            d.onConnection(Conns.tcp(t, spoofed(i), ip("10.0.0.1"), 80, true));
            if (i % 20_000 == 0) {
                // 20,000 new sources between two probes: more than the table's 8,192 slots hold
                probes++;
                d.onConnection(Conns.tcp(t, scanner, Conns.v4(0x0102_00 + probes), 445, true));
            }
        }
        assertThat(d.evictedFirstContacts()).isGreaterThan(1_000_000);
        // the first probe was lost with its slot; the second came back to its ghost and was promoted
        assertThat(events).filteredOn(e -> e.scanner().equals(scanner)).extracting(ScanEvent::kind)
                .contains(ScanKind.TRW, ScanKind.ADDRESS_SCAN);
        assertThat(events).filteredOn(e -> e.kind() == ScanKind.ADDRESS_SCAN).singleElement()
                .satisfies(e -> assertThat(e.distinctHosts()).isEqualTo(25))
                .satisfies(e -> assertThat(e.sampleTargets()).doesNotContain(Conns.v4(0x0102_01)));
        assertThat(events).allMatch(e -> e.scanner().equals(scanner));
    }

    @Test
    void floodSourcesRepeatingTheirSynToOneTargetAfterLosingTheirSlotsGetNoFullState() throws Exception {
        List<ScanEvent> events = new ArrayList<>();
        ScanDetector d = new ScanDetector(ScanDetection.builder().maxSources(10_000).build(), List.of(events::add));
        // 60,000 spoofed sources (7 times the 8,192 slots, within the 65,536 ghosts) each send a SYN
        // to 10.0.0.1:80 three times: every slot is taken by others before its source comes back
        for (int round = 0; round < 3; round++) {
            for (int i = 0; i < 60_000; i++) {
                d.onConnection(Conns.tcp(T0 + round * SEC, spoofed(i), ip("10.0.0.1"), 80, true));
            }
        }
        // only a source whose slot happened to survive is promoted by its second failure: under 1%
        long promoted = d.fullState()[0];
        assertThat(promoted).isLessThan(600);
        assertThat(events).isEmpty();
        // the same crowd trying a second port of that host is new evidence: each returning source is promoted
        for (int i = 0; i < 60_000; i++) {
            d.onConnection(Conns.tcp(T0 + 5 * SEC, spoofed(i), ip("10.0.0.1"), 81, true));
        }
        assertThat(d.fullState()[0]).isGreaterThan(10 * promoted + 1_000);
    }

    @Test
    void clientsOfAFewServersNeedNoFullState() {
        ScanDetector d = new ScanDetector(ScanDetection.defaults(), List.of(e -> { }));
        for (int c = 0; c < 1_000; c++) {
            for (int k = 0; k < 5; k++) {
                d.onConnection(Conns.tcp(T0 + k * SEC, Conns.v4(0x20_0000 + c), ip("192.0.2.80"), 443, false));
            }
        }
        assertThat(d.trackedSources()).isEqualTo(1_000);
        assertThat(d.fullState()[0]).isZero();
        // three more servers, one of them refusing, fit in the client's slot
        InetAddress client = Conns.v4(0x20_0000);
        d.onConnection(Conns.tcp(T0 + 6 * SEC, client, ip("192.0.2.81"), 443, false));
        d.onConnection(Conns.rej(T0 + 7 * SEC, client, ip("192.0.2.82"), 443));
        d.onConnection(Conns.tcp(T0 + 8 * SEC, client, ip("192.0.2.83"), 443, false));
        assertThat(d.fullState()[0]).isZero();
        // a fifth server does not: the client is promoted
        d.onConnection(Conns.tcp(T0 + 9 * SEC, client, ip("192.0.2.84"), 443, false));
        assertThat(d.fullState()[0]).isEqualTo(1);
        assertThat(d.trackedSources()).isEqualTo(1_000);
    }

    @Test
    void aSourcePromotedByItsFourthFailureIsJudgedOnAllFour() {
        List<ScanEvent> events = new ArrayList<>();
        ScanDetector d = new ScanDetector(ScanDetection.defaults(), List.of(events::add));
        InetAddress source = ip("192.0.2.85");
        for (int h = 1; h <= 3; h++) {
            d.onConnection(Conns.tcp(T0 + h * SEC, source, Conns.v4(h), 22, true));
        }
        // three failed first contacts can fire nothing: they wait in the table
        assertThat(d.fullState()[0]).isZero();
        assertThat(events).isEmpty();
        d.onConnection(Conns.tcp(T0 + 4 * SEC, source, Conns.v4(4), 22, true));
        assertThat(d.fullState()[0]).isEqualTo(1);
        assertThat(events).singleElement()
                .satisfies(e -> assertThat(e.kind()).isEqualTo(ScanKind.TRW))
                .satisfies(e -> assertThat(e.distinctHosts()).isEqualTo(4))
                .satisfies(e -> assertThat(e.attempts()).isEqualTo(4))
                .satisfies(e -> assertThat(e.firstSeenNanos()).isEqualTo(T0 + SEC))
                .satisfies(e -> assertThat(e.sampleTargets()).containsExactlyInAnyOrder(
                        Conns.v4(1), Conns.v4(2), Conns.v4(3), Conns.v4(4)));
    }

    @Test
    void aSourcePushedOutWithSeveralAttemptsMovesToFullStateWithThem() throws Exception {
        List<ScanEvent> events = new ArrayList<>();
        // 8 slots, one set; two failures wait in the table, a third can fire
        ScanDetector d = new ScanDetector(ScanDetection.builder().trw(false).addressScanThreshold(3).maxSources(8).build(),
                List.of(events::add));
        InetAddress source = ip("192.0.2.86");
        d.onConnection(Conns.tcp(T0, source, Conns.v4(1), 80, true));
        d.onConnection(Conns.tcp(T0, source, Conns.v4(2), 80, true));
        // 7 new sources fill the set, the 8th needs the source's slot
        for (int i = 0; i < 8; i++) {
            d.onConnection(Conns.tcp(T0 + SEC, spoofed(i), ip("10.9.9.9"), 80, true));
        }
        assertThat(d.fullState()[0]).isEqualTo(1);
        assertThat(d.evictedFirstContacts()).isZero();
        d.onConnection(Conns.tcp(T0 + 2 * SEC, source, Conns.v4(3), 80, true));
        assertThat(events).singleElement()
                .satisfies(e -> assertThat(e.distinctHosts()).isEqualTo(3))
                .satisfies(e -> assertThat(e.firstSeenNanos()).isEqualTo(T0));
        // a ninth new source finds only one-attempt sources: the stalest is forgotten
        d.onConnection(Conns.tcp(T0 + 3 * SEC, spoofed(8), ip("10.9.9.9"), 80, true));
        assertThat(d.evictedFirstContacts()).isEqualTo(1);
    }

    /**
     * A source's one attempt is pushed out of an 8-slot table; it comes back to another host,
     * answered or not. Returns the full states then.
     */
    private static long fullStatesAfterForgottenSourceReturns(boolean returnFails) throws Exception {
        ScanDetector d = new ScanDetector(ScanDetection.builder().maxSources(8).build(), List.of(e -> { }));
        InetAddress source = ip("192.0.2.87");
        d.onConnection(Conns.tcp(T0, source, Conns.v4(1), 80, true));
        for (int i = 0; i < 8; i++) {
            d.onConnection(Conns.tcp(T0 + SEC, spoofed(i), ip("10.9.9.9"), 80, true));
        }
        assertThat(d.evictedFirstContacts()).isEqualTo(1);
        d.onConnection(Conns.tcp(T0 + 2 * SEC, source, Conns.v4(2), 443, returnFails));
        return d.fullState()[0];
    }

    @Test
    void aForgottenSourceFailingAtAnotherTargetGetsFullStateAtOnce() throws Exception {
        assertThat(fullStatesAfterForgottenSourceReturns(true)).isEqualTo(1);
    }

    @Test
    void aForgottenSourceReturningWithAnAnsweredAttemptTakesASlotAgain() throws Exception {
        assertThat(fullStatesAfterForgottenSourceReturns(false)).isZero();
    }

    @Test
    void theFirstContactTableForgetsSourcesAfterTheWindow() {
        ScanDetector d = new ScanDetector(ScanDetection.defaults(), List.of(e -> { }));
        d.onConnection(Conns.tcp(T0, ip("192.0.2.90"), ip("10.0.0.1"), 80, true));
        d.advanceTime(T0 + 5 * 60 * SEC - 1);
        assertThat(d.trackedSources()).isEqualTo(1);
        d.advanceTime(T0 + 5 * 60 * SEC);
        assertThat(d.trackedSources()).isZero();
        assertThat(d.evictedFirstContacts()).isZero();
    }

    @Test
    void fullStateStaysWithinItsByteBoundWhenEverySourceProbesWidely() throws Exception {
        int maxSources = 2_000;
        ScanDetector d = new ScanDetector(ScanDetection.builder().maxSources(maxSources).build(), List.of(e -> { }));
        long before = usedHeapAfterGc();
        // 5,000 sources, each 20 hosts x 3 ports unanswered: below the address, port and per-port thresholds
        for (int round = 0; round < 60; round++) {
            for (int s = 0; s < 5_000; s++) {
                d.onConnection(Conns.tcp(T0 + round * SEC, spoofed(s), Conns.v4(round / 3 + 1), 20 + round % 3, true));
            }
        }
        long[] full = d.fullState();
        long retained = usedHeapAfterGc() - before;
        System.out.printf("wide sources: %d full states, %d bytes weighed, %d bytes retained (bound %d + table %d)%n",
                full[0], full[1], retained, d.maxStateBytes(), d.firstContactBytes());
        assertThat(full[0]).isLessThanOrEqualTo(maxSources);
        assertThat(full[1]).isLessThanOrEqualTo(d.maxStateBytes() + d.maxStateBytes() / 8);
        assertThat(d.evictedSources()).isPositive();
        // the estimate is conservative: what the JVM really holds stays within the bound
        assertThat(retained).isLessThan(d.maxStateBytes() + d.firstContactBytes() + 2L * 1024 * 1024);
    }

    @Test
    void theEstimatedBytesOfScannersAtEveryCapCoverWhatTheyHold() throws Exception {
        ScanDetection settings = ScanDetection.builder().trw(false).addressScan(false).maxSources(4_000).build();
        ScanDetector d = new ScanDetector(settings, List.of(e -> { }));
        int scanners = 8;
        long before = usedHeapAfterGc();
        // each scanner: 64 ports x 99 hosts, every per-port set one short of its threshold of 100
        // and every host's port set filled to 15 (then fired and cleared) four times over
        long t = T0;
        for (int h = 0; h < 99; h++) {
            for (int p = 0; p < 64; p++) {
                for (int s = 0; s < scanners; s++) {
                    d.onConnection(Conns.tcp(t, ip("203.0.113." + (100 + s)), Conns.v4(h + 1), 1000 + p, true));
                }
                t += SEC / 1000;
            }
        }
        long[] full = d.fullState();
        long retained = usedHeapAfterGc() - before;
        System.out.printf("widest sources: %d bytes weighed each, %d bytes retained each, largest possible %d%n",
                full[1] / scanners, retained / scanners, ScanDetector.largestSourceBytes(settings));
        assertThat(full[0]).isEqualTo(scanners);
        assertThat(d.evictedSources()).isZero();
        // the cache re-weighs a state when it drifts by an eighth, so the weight may lag that much
        assertThat(retained).isLessThanOrEqualTo(full[1] + full[1] / 8);
        assertThat(full[1] / scanners).isLessThanOrEqualTo(ScanDetector.largestSourceBytes(settings));
    }

    @Test
    void judgesAHugeEndOfInputFlushInBoundedBatches() throws Exception {
        List<ScanEvent> events = new ArrayList<>();
        ScanDetector d = new ScanDetector(ScanDetection.builder().trw(false).build(), List.of(events::add));
        InetAddress scanner = ip("203.0.113.69");
        for (int i = 0; i < ScanDetector.END_OF_INPUT_BATCH; i++) {
            if (i % 100 == 0 && i / 100 < 25) {
                d.onConnection(flushed(Conns.tcp(T0 + i, scanner, Conns.v4(i / 100 + 1), 445, true)));
            } else {
                d.onConnection(flushed(Conns.tcp(T0 + i, spoofed(i), ip("10.0.0.1"), 80, true)));
            }
        }
        // the flush filled one batch: it was judged without waiting for the end
        assertThat(events).singleElement().satisfies(e -> assertThat(e.scanner()).isEqualTo(scanner));
        d.endOfInput();
        assertThat(events).hasSize(1);
    }
}
