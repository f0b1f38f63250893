package io.flowkit.bench;

import io.flowkit.LinkType;
import io.flowkit.core.internal.decode.Decoder;
import io.flowkit.core.internal.decode.PacketView;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Cost of decoding one frame, checksums verified, from a memory-mapped file as
 * {@code flowkit analyze} reads it: {@link DecodeBenchmark}'s frame mix laid out behind 16-byte
 * record headers, as in a pcap file, in a temporary file mapped read-only. ns/packet, and
 * B/packet with {@code -prof gc}. The file (about 0.6 MB) stays in the cache, so this is the
 * cost of the code on direct buffers, not of memory; compare {@code DecodeBenchmark.decode} (heap
 * buffers) in the same run.
 *
 * <p>A class of its own because the JIT profiles the buffer type at each read: one benchmark
 * that also decoded heap buffers would measure code compiled for both kinds, which neither
 * {@code analyze} (mapped) nor {@code DecodeBenchmark} (heap) runs.
 *
 * <p>Run it with:
 * <pre>{@code
 * mvn -B -q -pl flowkit-bench -am package -DskipTests
 * java -jar flowkit-bench/target/benchmarks.jar 'DecodeBenchmark.decode$|MappedDecodeBenchmark' -prof gc
 * }</pre>
 * A short run: add {@code -f 1 -wi 2 -i 3 -w 1s -r 1s}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class MappedDecodeBenchmark {
    private static final int RECORD_HEADER = 16;

    private Path file;
    private ByteBuffer mapped;
    private int[] offsets;
    private int[] lengths;
    private Decoder decoder;
    private final PacketView view = new PacketView();

    /**
     * Writes the frame mix to a temporary file, maps it and checks that every frame decodes cleanly.
     *
     * @throws IOException if the file cannot be written or mapped
     */
    @Setup
    public void setUp() throws IOException {
        List<byte[][]> mix = DecodeBenchmark.frameMix();
        offsets = new int[mix.size()];
        lengths = new int[mix.size()];
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < mix.size(); i++) {
            byte[] frame = mix.get(i)[0];
            out.write(new byte[RECORD_HEADER]);
            offsets[i] = out.size();
            lengths[i] = frame.length;
            out.write(frame);
        }
        file = Files.createTempFile("flowkit-mapped-decode", ".bin");
        Files.write(file, out.toByteArray());
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            mapped = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size());
        }
        decoder = new Decoder(false, List.of(), Decoder.DEFAULT_FRAGMENT_MEMORY_BYTES, Decoder.DEFAULT_FRAGMENT_TIMEOUT);
        for (int i = 0; i < offsets.length; i++) {
            if (!decoder.decode(0, LinkType.ETHERNET, mapped, offsets[i], lengths[i], lengths[i], view)
                    || view.badChecksum) {
                throw new IllegalStateException("mapped frame " + i + " does not decode cleanly");
            }
        }
    }

    /**
     * Deletes the file (the mapping stays valid until it is collected).
     *
     * @throws IOException if it cannot be deleted
     */
    @TearDown
    public void tearDown() throws IOException {
        Files.deleteIfExists(file);
    }

    /**
     * Full decode with checksum verification, from the mapped file.
     *
     * @return a value derived from the views, so the work is not eliminated
     */
    @Benchmark
    @OperationsPerInvocation(DecodeBenchmark.FRAMES)
    public long decodeMapped() {
        long acc = 0;
        PacketView v = view;
        ByteBuffer m = mapped;
        for (int i = 0; i < offsets.length; i++) {
            if (decoder.decode(0, LinkType.ETHERNET, m, offsets[i], lengths[i], lengths[i], v)) {
                acc += v.srcLo ^ v.dstLo ^ v.srcPort ^ v.dstPort ^ v.ipProto ^ v.payloadLength;
            }
        }
        return acc;
    }
}
