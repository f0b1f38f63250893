package io.flowkit.bench;

import io.flowkit.FlowTracker;
import io.flowkit.FrameHandler;
import io.flowkit.PacketSource;
import io.flowkit.bench.gen.GeneratorOptions;
import io.flowkit.bench.gen.TrafficGenerator;
import io.flowkit.pcap.PcapFile;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The whole pipeline from a file, as {@code flowkit analyze} runs it, on a generated capture: {@link PcapFile} reads it, a fresh
 * {@link FlowTracker} with default settings tracks it, and {@code close()} flushes what is still
 * open. The baseline in the same run, {@code readOnly}, reads the same file into a handler that
 * only touches each frame, so {@code pipeline - readOnly} is the tracker's own cost.
 * {@link PipelineBenchmark} measures the tracker on frames already in memory; this one adds the
 * file reader and realistic traffic (heavy-tailed flows, handshakes, closes, scans, expiry).
 *
 * <p>One operation is one packet: each invocation processes the whole file of
 * {@value #PACKETS} packets (about 540 bytes each; TCP, UDP, ICMP, 10% IPv6, and the scanners),
 * so the score is ns/packet and, with {@code -prof gc}, {@code gc.alloc.rate.norm} is bytes per
 * packet, including the records, the tracker's tables built once per invocation, and the
 * listener's work (none: it counts). {@code flows} is the number of connections the generator
 * keeps open at once: 1,000 is a small table, 250,000 and 1,000,000 large ones (a million
 * packets are not enough to open that many: the last leaves 211,099 open at the end; the
 * tracker's bound is raised to twice {@code flows}, so that nothing is evicted). The file (about 540 MB per
 * {@code flows} value) is written to a temporary directory in setup and stays in the page cache.
 *
 * <p>Run it with:
 * <pre>
 * mvn -B -q -pl flowkit-bench -am package -DskipTests
 * java -jar flowkit-bench/target/benchmarks.jar CaptureFileBenchmark -prof gc
 * java -jar flowkit-bench/target/benchmarks.jar CaptureFileBenchmark.pipeline -p flows=1000000
 * </pre>
 * The second compares one engine with two on the capture with a million flows.
 * A short run: add {@code -wi 2 -i 3} (the first invocations of the pipeline are still compiling,
 * so fewer warm-up iterations overstate its cost).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = "-Xmx4g")
public class CaptureFileBenchmark {
    /** Packets per generated file, and operations per invocation. */
    static final int PACKETS = 1_000_000;

    /** Connections open at once in the generated traffic. */
    @Param({"1000", "250000", "1000000"})
    public int flows;

    /**
     * Engines ({@code FlowTracker.builder().threads(n)}, {@code flowkit analyze --threads}): with
     * 2 the benchmark thread reads the file and runs one engine, and one more thread runs the
     * other, so the score against 1 is what sharding gains once the code is compiled.
     */
    @Param({"1", "2"})
    public int threads;

    private Path dir;
    private Path capture;
    private final Touch touch = new Touch();

    /** The baseline's handler: reads each frame's length, first byte and time. */
    static final class Touch implements FrameHandler {
        long sum;

        @Override
        public void onFrame(long ts, int linkType, ByteBuffer buffer, int offset, int caplen, int wirelen) {
            sum += caplen + buffer.get(offset) + ts;
        }
    }

    /**
     * Generates the capture.
     *
     * @throws IOException if the temporary files cannot be written
     */
    @Setup(Level.Trial)
    public void generate() throws IOException {
        dir = Files.createTempDirectory("flowkit-capture-bench");
        capture = dir.resolve("pipeline.pcap");
        TrafficGenerator.generate(GeneratorOptions.builder().output(capture).packets(PACKETS).concurrentFlows(flows)
                .scanners(true).seed(1).build());
    }

    /**
     * Deletes the capture and its truth file.
     *
     * @throws IOException if they cannot be deleted
     */
    @TearDown(Level.Trial)
    public void delete() throws IOException {
        try (var files = Files.list(dir)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                Files.delete(p);
            }
        }
        Files.delete(dir);
    }

    /**
     * Reads and tracks the whole capture.
     *
     * @return the number of connection records, so that nothing is optimised away
     * @throws IOException if the capture cannot be read
     */
    @Benchmark
    @OperationsPerInvocation(PACKETS)
    public long pipeline() throws IOException {
        long[] records = {0};
        FlowTracker tracker = FlowTracker.builder().uidSeed(1).threads(threads).maxConnections(Math.max(250_000, 2 * flows))
                .connectionListener(c -> records[0]++).build();
        try (PacketSource source = PcapFile.open(capture)) {
            tracker.run(source);
        }
        tracker.close();
        return records[0];
    }

    /**
     * Reads the whole capture without tracking: the baseline.
     *
     * @return a sum over the frames
     * @throws IOException if the capture cannot be read
     */
    @Benchmark
    @OperationsPerInvocation(PACKETS)
    public long readOnly() throws IOException {
        try (PacketSource source = PcapFile.open(capture)) {
            while (source.poll(touch, 1024) != PacketSource.END_OF_INPUT) {
                // read to the end
            }
        }
        return touch.sum;
    }
}
