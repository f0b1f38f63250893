package io.flowkit.core.internal.scan;

import static org.assertj.core.api.Assertions.assertThat;

import io.flowkit.Connection;
import io.flowkit.PortKey;
import io.flowkit.ScanDetection;
import io.flowkit.ScanEvent;
import io.flowkit.ScanKind;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Checks the detectors against a naive reference model that recomputes everything from the full
 * list of attempts, over randomized attempt sequences (times with gaps inside and beyond the
 * window, repeated targets, mixed outcomes, two interleaved sources).
 */
class ScanDetectorModelTest {
    private static final long SEC = 1_000_000_000L;
    private static final long WINDOW = 60 * SEC;
    private static final long SUPPRESSION = 30 * SEC;
    private static final int ADDRESS = 6;
    private static final int PORT = 5;
    private static final int PER_PORT = 4;
    private static final int SPECIAL_PORT = 7;
    private static final int SPECIAL_PER_PORT = 8;

    /** What the model expects of one event. */
    record Expected(ScanKind kind, InetAddress scanner, int port, int distinctHosts, int distinctPorts, long ts,
            Set<InetAddress> liveTargets, Set<String> uids, long repeats) {
    }

    /**
     * The reference: for each (source, kind, group) the list of counted attempts since the last
     * firing. A source is forgotten, suppression records included, once a window has passed since
     * its last attempt and its last event's suppression has ended.
     */
    static final class Model {
        final Map<List<Object>, List<Connection>> lists = new HashMap<>();
        final Map<List<Object>, long[]> suppression = new HashMap<>();
        final Map<InetAddress, long[]> sourceTimes = new HashMap<>();
        final List<Expected> events = new ArrayList<>();
        long now;

        void feed(Connection c) {
            int outcome = Outcome.of(c);
            if (outcome == Outcome.NONE) {
                return;
            }
            now = Math.max(now, c.startNanos() + c.durationNanos());
            long[] times = sourceTimes.computeIfAbsent(c.origAddress(), k -> new long[] {now, Long.MIN_VALUE});
            if (now >= Math.max(times[0] + WINDOW, times[1])) {
                lists.keySet().removeIf(k -> k.get(0).equals(c.origAddress()));
                suppression.keySet().removeIf(k -> k.get(0).equals(c.origAddress()));
            }
            times[0] = now;
            long cutoff = now - WINDOW;
            if (outcome != Outcome.FAILED || c.startNanos() <= cutoff) {
                return;
            }
            int port = Outcome.targetPort(c);
            check(c, ScanKind.ADDRESS_SCAN, List.of(c.origAddress(), "addr"), ADDRESS, cutoff, -1);
            check(c, ScanKind.PORT_SCAN, List.of(c.origAddress(), "port", c.respAddress()), PORT, cutoff, -1);
            check(c, ScanKind.PORT_ADDRESS_SCAN, List.of(c.origAddress(), "pp", port),
                    port == SPECIAL_PORT ? SPECIAL_PER_PORT : PER_PORT, cutoff, port);
        }

        private void check(Connection c, ScanKind kind, List<Object> key, int threshold, long cutoff, int eventPort) {
            List<Connection> list = lists.computeIfAbsent(key, k -> new ArrayList<>());
            list.add(c);
            // target -> latest attempt (arrival order) among the list, and whether any is in the window
            Map<Object, Connection> latest = new LinkedHashMap<>();
            Map<Object, Long> maxStart = new HashMap<>();
            for (Connection a : list) {
                Object target = kind == ScanKind.PORT_SCAN ? (Object) Outcome.targetPort(a) : a.respAddress();
                latest.put(target, a);
                maxStart.merge(target, a.startNanos(), Math::max);
            }
            Set<InetAddress> live = new HashSet<>();
            Set<Integer> livePorts = new HashSet<>();
            Set<String> uids = new HashSet<>();
            int count = 0;
            for (Map.Entry<Object, Connection> e : latest.entrySet()) {
                if (maxStart.get(e.getKey()) > cutoff) {
                    count++;
                    live.add(e.getValue().respAddress());
                    livePorts.add(Outcome.targetPort(e.getValue()));
                }
            }
            for (Connection a : list) {
                uids.add(a.uid());
            }
            if (count < threshold) {
                return;
            }
            list.clear();
            long[] supp = suppression.computeIfAbsent(List.of(c.origAddress(), kind, eventPort), k -> new long[] {Long.MIN_VALUE, 0});
            if (supp[0] != Long.MIN_VALUE && now - supp[0] < SUPPRESSION) {
                supp[1]++;
                return;
            }
            long repeats = supp[1];
            supp[0] = now;
            supp[1] = 0;
            long[] times = sourceTimes.get(c.origAddress());
            times[1] = Math.max(times[1], now + SUPPRESSION);
            int hosts = kind == ScanKind.PORT_SCAN ? 1 : count;
            int ports = kind == ScanKind.PORT_SCAN ? count : kind == ScanKind.PORT_ADDRESS_SCAN ? 1 : livePorts.size();
            events.add(new Expected(kind, c.origAddress(), eventPort, hosts, ports, now, live, uids, repeats));
        }
    }

    private static ScanDetection settings() {
        return ScanDetection.builder()
                .addressScanThreshold(ADDRESS)
                .portScanThreshold(PORT)
                .portAddressScanThreshold(PER_PORT)
                .portAddressScanThreshold(PortKey.parse(SPECIAL_PORT + "/tcp"), SPECIAL_PER_PORT)
                .window(Duration.ofNanos(WINDOW))
                .suppressionInterval(Duration.ofNanos(SUPPRESSION))
                .trw(false)
                .build();
    }

    private static List<Connection> randomAttempts(Random rnd) {
        InetAddress[] sources = {Conns.ip("192.0.2.1"), Conns.ip("192.0.2.2")};
        int hostPool = 3 + rnd.nextInt(40);
        int portPool = 2 + rnd.nextInt(30);
        double failure = 0.3 + 0.7 * rnd.nextDouble();
        long t = 1_700_000_000L * SEC;
        List<Connection> out = new ArrayList<>();
        for (int i = 0, n = 200 + rnd.nextInt(800); i < n; i++) {
            int gap = rnd.nextInt(100);
            t += gap < 90 ? rnd.nextInt(3000) * 1_000_000L : gap < 98 ? Math.floorMod(rnd.nextLong(), WINDOW / 2) + WINDOW / 2 : 2 * WINDOW;
            InetAddress src = sources[rnd.nextInt(sources.length)];
            InetAddress dst = Conns.v4(1 + rnd.nextInt(hostPool));
            int port = 1 + rnd.nextInt(portPool);
            boolean failed = rnd.nextDouble() < failure;
            // records of unanswered attempts arrive late and out of start order, as the engine's do
            long start = failed && rnd.nextBoolean() ? t - rnd.nextInt(5000) * 1_000_000L : t;
            out.add(failed && rnd.nextBoolean() ? Conns.rej(start, src, dst, port) : Conns.tcp(start, src, dst, port, failed));
        }
        return out;
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20})
    void thresholdDetectorsMatchTheReferenceModel(long seed) {
        Random rnd = new Random(seed);
        List<Connection> attempts = randomAttempts(rnd);
        Model model = new Model();
        List<ScanEvent> got = new ArrayList<>();
        ScanDetector detector = new ScanDetector(settings(), List.of(got::add));
        for (Connection c : attempts) {
            model.feed(c);
            detector.onConnection(c);
        }
        assertThat(got).hasSameSizeAs(model.events);
        for (int i = 0; i < got.size(); i++) {
            ScanEvent e = got.get(i);
            Expected x = model.events.get(i);
            String where = "seed " + seed + " event " + i + " " + e;
            assertThat(e.kind()).as(where).isEqualTo(x.kind());
            assertThat(e.scanner()).as(where).isEqualTo(x.scanner());
            assertThat(e.port()).as(where).isEqualTo(x.port());
            assertThat(e.timestampNanos()).as(where).isEqualTo(x.ts());
            assertThat(e.distinctHosts()).as(where).isEqualTo(x.distinctHosts());
            assertThat(e.distinctPorts()).as(where).isEqualTo(x.distinctPorts());
            assertThat(e.suppressedRepeats()).as(where).isEqualTo(x.repeats());
            assertThat(x.liveTargets()).as(where).containsAll(e.sampleTargets());
            assertThat(x.uids()).as(where).containsAll(e.sampleUids());
            assertThat(e.sampleTargets()).as(where).isNotEmpty();
            assertThat(e.topPorts().stream().mapToLong(ScanEvent.PortCount::count).sum()).as(where)
                    .isGreaterThanOrEqualTo(e.kind() == ScanKind.PORT_SCAN ? e.distinctPorts() : e.distinctHosts());
            assertThat(e.firstSeenNanos()).as(where).isLessThanOrEqualTo(e.lastSeenNanos());
            assertThat(e.lastSeenNanos()).as(where).isGreaterThan(e.timestampNanos() - WINDOW);
        }
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12})
    void thresholdRandomWalkMatchesTheReferenceModel(long seed) {
        Random rnd = new Random(seed);
        ScanDetection s = ScanDetection.builder().addressScan(false).portScan(false).portAddressScan(false)
                .window(Duration.ofNanos(WINDOW)).suppressionInterval(Duration.ofNanos(SUPPRESSION)).build();
        double lnS = Math.log(s.trwTheta1() / s.trwTheta0());
        double lnF = Math.log((1 - s.trwTheta1()) / (1 - s.trwTheta0()));
        double eta1 = Math.log(s.trwBeta() / s.trwAlpha());
        double eta0 = Math.log((1 - s.trwBeta()) / (1 - s.trwAlpha()));
        List<ScanEvent> got = new ArrayList<>();
        ScanDetector detector = new ScanDetector(s, List.of(got::add));

        InetAddress src = Conns.ip("198.51.100.7");
        int hostPool = 5 + rnd.nextInt(100);
        double failure = rnd.nextDouble();
        Map<InetAddress, Long> contacted = new HashMap<>();
        double walk = 0;
        long now = 0;
        long lastAccess = 0;
        long lastEmitted = Long.MIN_VALUE;
        long repeats = 0;
        List<long[]> expected = new ArrayList<>();
        long t = 1_700_000_000L * SEC;
        for (int i = 0; i < 1500; i++) {
            t += rnd.nextInt(10) == 0 ? WINDOW : rnd.nextInt(1000) * 1_000_000L;
            InetAddress dst = Conns.v4(1 + rnd.nextInt(hostPool));
            boolean failed = rnd.nextDouble() < failure;
            Connection c = Conns.tcp(t, src, dst, 22, failed);
            detector.onConnection(c);

            now = Math.max(now, c.startNanos() + c.durationNanos());
            if (now >= Math.max(lastAccess + WINDOW, lastEmitted == Long.MIN_VALUE ? 0 : lastEmitted + SUPPRESSION)) {
                // the source was forgotten: walk, contacts and suppression start afresh
                contacted.clear();
                walk = 0;
                lastEmitted = Long.MIN_VALUE;
                repeats = 0;
            }
            lastAccess = now;
            Long last = contacted.get(dst);
            if (last != null && last > now - WINDOW) {
                contacted.put(dst, Math.max(last, t));
                continue;
            }
            contacted.put(dst, t);
            walk += failed ? lnF : lnS;
            if (walk >= eta1) {
                walk = 0;
                if (lastEmitted != Long.MIN_VALUE && now - lastEmitted < SUPPRESSION) {
                    repeats++;
                } else {
                    expected.add(new long[] {now, repeats});
                    lastEmitted = now;
                    repeats = 0;
                }
            } else if (walk <= eta0) {
                walk = 0;
            }
        }
        assertThat(got).hasSize(expected.size());
        for (int i = 0; i < got.size(); i++) {
            assertThat(got.get(i).kind()).isEqualTo(ScanKind.TRW);
            assertThat(got.get(i).timestampNanos()).as("seed %d event %d", seed, i).isEqualTo(expected.get(i)[0]);
            assertThat(got.get(i).suppressedRepeats()).as("seed %d event %d", seed, i).isEqualTo(expected.get(i)[1]);
            assertThat(Objects.requireNonNull(got.get(i).scanner())).isEqualTo(src);
        }
    }
}
