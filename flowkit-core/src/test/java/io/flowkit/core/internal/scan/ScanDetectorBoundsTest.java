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
        long start = threads.getCurrentThreadAllocatedBytes();
        for (int round = 0; round < 50; round++) {
            // an array, not a list: a list's iterator would be the only allocation measured
            for (Connection c : batch) {
                d.onConnection(c);
            }
        }
        long allocated = threads.getCurrentThreadAllocatedBytes() - start;
        assertThat(d.trackedSources()).isEqualTo(40);
        assertThat(events).hasSize(eventsAfterWarmUp);
        // 30,000 attempts, zero bytes; the measurement itself may cost a few
        assertThat(allocated).isLessThan(64);
    }
}
