package io.flowkit.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flowkit.Connection;
import io.flowkit.FlowTracker;
import io.flowkit.FrameHandler;
import io.flowkit.PacketSource;
import io.flowkit.TrackerConfig;
import io.flowkit.TrackerStats;
import io.flowkit.bench.gen.GeneratorOptions;
import io.flowkit.bench.gen.TrafficGenerator;
import io.flowkit.core.internal.engine.DefaultFlowTracker;
import io.flowkit.pcap.PcapFile;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link FlowTracker#run} batches frames and looks ahead at their connections once many are
 * open; processing must stay exactly what frame-by-frame {@link FlowTracker#onFrame} does. Each
 * test runs a capture twice, through {@code run} of a tracker that batches from a low number of
 * open connections (0, or a number the traffic crosses) and through a loop that polls
 * the source into the tracker's {@code onFrame}, and compares every record, in order, and the
 * statistics, also with a listener that throws, a source that fails in the middle of a batch,
 * a source that advances time between frames, and frames too large for a batch.
 */
class LookAheadEquivalenceTest {
    private static final Path TRACES = Path.of("..", "..", "shared", "conformance", "zeek", "traces");

    @TempDir
    static Path dir;
    private static Path generated;

    @BeforeAll
    static void generate() throws IOException {
        generated = TrafficGenerator.generate(GeneratorOptions.builder().output(dir.resolve("g.pcap"))
                .packets(40_000).concurrentFlows(2_000).scanners(true).seed(12).build()).capture();
    }

    @Test
    void everyConformanceTraceGivesTheSameRecordsAndStatsBatchedAsFrameByFrame() throws IOException {
        List<Path> traces;
        try (Stream<Path> s = Files.list(TRACES)) {
            traces = s.filter(p -> p.toString().endsWith(".pcap") || p.toString().endsWith(".pcapng")).sorted()
                    .toList();
        }
        assertThat(traces).isNotEmpty();
        for (Path trace : traces) {
            Run direct = frameByFrame(trace, Quirks.NONE);
            Run batched = batched(trace, 0, Quirks.NONE);
            assertThat(batched.records).as("%s", trace.getFileName()).containsExactlyElementsOf(direct.records);
            assertThat(batched.stats).as("%s", trace.getFileName()).isEqualTo(direct.stats);
        }
    }

    @Test
    void generatedTrafficCrossingTheThresholdGivesTheSameRecordsAndStats() throws IOException {
        Run direct = frameByFrame(generated, Quirks.NONE);
        for (int from : new int[] {0, 1_500}) {
            Run batched = batched(generated, from, Quirks.NONE);
            assertThat(batched.records).as("batching from %d", from).containsExactlyElementsOf(direct.records);
            assertThat(batched.stats).as("batching from %d", from).isEqualTo(direct.stats);
        }
        assertThat(direct.stats.connectionsPeak()).as("the traffic crosses 1,500 open connections")
                .isGreaterThan(1_500);
        assertThat(direct.stats.listenerFailures()).as("the throwing listener ran").isPositive();
    }

    @Test
    void aSourceFailingInTheMiddleOfABatchHasTheFramesBeforeItProcessedFirst() throws IOException {
        Quirks failing = new Quirks(10_007, 0, 0);
        Run direct = frameByFrame(generated, failing);
        Run batched = batched(generated, 0, failing);
        assertThat(direct.failure).isNotNull();
        assertThat(batched.failure).hasMessage(direct.failure.getMessage());
        assertThat(batched.stats.packets()).isEqualTo(10_007);
        assertThat(batched.records).containsExactlyElementsOf(direct.records);
        assertThat(batched.stats).isEqualTo(direct.stats);
    }

    @Test
    void timeAdvancedByTheSourceAndFramesTooLargeForABatchKeepTheirPlace() throws IOException {
        Quirks quirks = new Quirks(-1, 997, 101);
        Run direct = frameByFrame(generated, quirks);
        for (int from : new int[] {0, 1_500}) {
            Run batched = batched(generated, from, quirks);
            assertThat(batched.records).as("batching from %d", from).containsExactlyElementsOf(direct.records);
            assertThat(batched.stats).as("batching from %d", from).isEqualTo(direct.stats);
        }
        assertThat(direct.records).as("the advances expire connections early")
                .isNotEqualTo(frameByFrame(generated, Quirks.NONE).records);
    }

    record Run(List<Connection> records, TrackerStats stats, IOException failure) {
    }

    /** A tracker configuration whose listener collects records and throws on every 50th. */
    private static TrackerConfig config(List<Connection> records) {
        return FlowTracker.builder().uidSeed(1).connectionListener(c -> {
            records.add(c);
            if (records.size() % 50 == 0) {
                throw new IllegalStateException("listener failure " + records.size());
            }
        }).config();
    }

    private static Run batched(Path capture, int lookAheadFrom, Quirks quirks) throws IOException {
        List<Connection> records = new ArrayList<>();
        DefaultFlowTracker tracker = new DefaultFlowTracker(config(records), null, lookAheadFrom);
        IOException failure = null;
        try (PacketSource source = quirks.wrap(PcapFile.open(capture))) {
            tracker.run(source);
        } catch (IOException e) {
            failure = e;
        }
        tracker.close();
        return new Run(records, tracker.stats(), failure);
    }

    private static Run frameByFrame(Path capture, Quirks quirks) throws IOException {
        List<Connection> records = new ArrayList<>();
        DefaultFlowTracker tracker = new DefaultFlowTracker(config(records), null);
        IOException failure = null;
        try (PacketSource source = quirks.wrap(PcapFile.open(capture))) {
            while (source.poll(tracker, 100) != PacketSource.END_OF_INPUT) {
                // each frame reaches onFrame directly
            }
        } catch (IOException e) {
            failure = e;
        }
        tracker.close();
        return new Run(records, tracker.stats(), failure);
    }

    /**
     * What a wrapped source does besides delivering the capture's frames: fail after frame
     * {@code failAfter} (in the middle of a poll), advance time by 30 seconds after every
     * {@code advanceEvery}th frame, and deliver every {@code largeEvery}th frame padded to 70,000
     * bytes, more than a batch holds (the padding is after the IP packet, so it is not payload);
     * 0 or -1 turns a quirk off.
     */
    record Quirks(long failAfter, int advanceEvery, int largeEvery) {
        static final Quirks NONE = new Quirks(-1, 0, 0);
        private static final int LARGE = 70_000;

        PacketSource wrap(PacketSource inner) {
            ByteBuffer large = ByteBuffer.allocateDirect(LARGE);
            long[] frames = {0};
            return new PacketSource() {
                @Override
                public int poll(FrameHandler handler, int maxFrames) throws IOException {
                    FrameHandler quirky = (ts, linkType, buffer, offset, captureLength, wireLength) -> {
                        long n = ++frames[0];
                        if (largeEvery > 0 && n % largeEvery == 0 && captureLength < LARGE) {
                            for (int i = 0; i < LARGE; i++) {
                                large.put(i, i < captureLength ? buffer.get(offset + i) : 0);
                            }
                            handler.onFrame(ts, linkType, large, 0, LARGE, LARGE);
                        } else {
                            handler.onFrame(ts, linkType, buffer, offset, captureLength, wireLength);
                        }
                        if (advanceEvery > 0 && n % advanceEvery == 0) {
                            handler.advanceTime(ts + 30_000_000_000L);
                        }
                    };
                    int delivered = 0;
                    while (delivered < maxFrames) {
                        int r = inner.poll(quirky, 1);
                        if (r == END_OF_INPUT) {
                            return delivered == 0 ? END_OF_INPUT : delivered;
                        }
                        delivered += r;
                        if (frames[0] == failAfter) {
                            throw new IOException("source failed after frame " + failAfter);
                        }
                    }
                    return delivered;
                }

                @Override
                public String name() {
                    return inner.name();
                }

                @Override
                public void close() throws IOException {
                    inner.close();
                }
            };
        }
    }
}
