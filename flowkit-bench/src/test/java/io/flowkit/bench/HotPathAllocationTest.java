package io.flowkit.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.BenchmarkResult;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * The allocation guard of {@code mvn verify}: runs the decode, whole-pipeline (also with a
 * million connections open) and pending-table benchmarks briefly under JMH's GC profiler and
 * fails if the median of its three measured iterations allocates a byte per packet. Each
 * benchmark's operation is one packet ({@code @OperationsPerInvocation}), so
 * {@code gc.alloc.rate.norm} is bytes per packet; it is measured by the JVM's per-thread
 * allocation counters, so the bound holds whatever the machine's speed (no timing is asserted).
 */
class HotPathAllocationTest {

    @Test
    void decodeAndPipelineAllocateLessThanOneBytePerPacket() throws RunnerException {
        // decode (heap and mapped), decodeIgnoringChecksums, and the pipeline on a small and a
        // large table, on one thread and sharded over two
        assertThat(run(new OptionsBuilder()
                .include(DecodeBenchmark.class.getName() + "\\.decode(IgnoringChecksums)?$")
                .include(MappedDecodeBenchmark.class.getName() + "\\.decodeMapped$")
                .include(PipelineBenchmark.class.getName() + "\\.pipeline$"))).hasSize(7);
    }

    @Test
    void pipelineAllocatesLessThanOneBytePerPacketWithAMillionConnectionsOpen() throws RunnerException {
        // frame by frame, and through run(), which batches frames and looks ahead at so many connections
        assertThat(run(new OptionsBuilder()
                .include(OpenFlowsBenchmark.class.getName() + "\\.(pipeline|run)$")
                .param("flows", "1000000"))).hasSize(2);
    }

    @Test
    void pendingTableFloodAndLookupAllocateLessThanOneBytePerPacket() throws RunnerException {
        assertThat(run(new OptionsBuilder()
                .include(PendingTableBenchmark.class.getName() + "\\.(floodSyn|replyLookup)$")
                .param("live", "1000"))).hasSize(2);
    }

    /** Runs the benchmarks briefly and checks each one's bytes per packet; returns their names. */
    private static List<String> run(ChainedOptionsBuilder include) throws RunnerException {
        Options options = include
                .addProfiler(GCProfiler.class)
                .forks(1)
                .warmupIterations(2)
                .warmupTime(TimeValue.milliseconds(500))
                .measurementIterations(3)
                .measurementTime(TimeValue.seconds(1))
                .shouldFailOnError(true)
                .jvmArgs("-Xmx1g")
                .build();
        Collection<RunResult> results = new Runner(options).run();

        List<String> seen = new ArrayList<>();
        for (RunResult r : results) {
            String name = r.getParams().getBenchmark() + r.getParams().getParamsKeys().stream()
                    .map(k -> " " + k + "=" + r.getParams().getParam(k)).reduce("", String::concat);
            // the median iteration: JMH counts the trial's teardown (closing the tracker makes a
            // record per open connection) in the last iteration, which weighs most when a loaded
            // machine runs few packets in it; an allocation per packet shows in every iteration
            List<Double> perIteration = new ArrayList<>();
            for (BenchmarkResult b : r.getBenchmarkResults()) {
                for (IterationResult i : b.getIterationResults()) {
                    // JMH's GC profiler leaves gc.alloc.rate.norm out of an iteration in which the
                    // JVM's allocation counters did not move at all; gc.alloc.rate proves it ran
                    Map<String, Result> secondary = i.getSecondaryResults();
                    assertThat(secondary.keySet()).as("GC profiler results of %s", name)
                            .anyMatch(k -> k.endsWith("gc.alloc.rate"));
                    Result<?> norm = allocNorm(secondary);
                    perIteration.add(norm == null ? 0.0 : norm.getScore());
                }
            }
            assertThat(perIteration).as("iterations of %s", name).hasSize(3);
            Collections.sort(perIteration);
            assertThat(perIteration.get(1)).as("bytes allocated per packet by %s (iterations %s)", name, perIteration)
                    .isLessThan(1.0);
            seen.add(name);
        }
        return seen;
    }

    private static Result<?> allocNorm(Map<String, Result> secondary) {
        for (Map.Entry<String, Result> e : secondary.entrySet()) {
            if (e.getKey().endsWith("gc.alloc.rate.norm")) {
                return e.getValue();
            }
        }
        return null;
    }
}
