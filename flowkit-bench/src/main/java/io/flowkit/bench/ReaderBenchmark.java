package io.flowkit.bench;

import io.flowkit.FrameHandler;
import io.flowkit.LinkType;
import io.flowkit.PacketSource;
import io.flowkit.pcap.PcapFile;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
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
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.pcap4j.core.NotOpenException;
import org.pcap4j.core.PcapHandle;
import org.pcap4j.core.PcapNativeException;
import org.pcap4j.core.Pcaps;

/**
 * Reading speed of {@link PcapFile} on pcap and pcapng, against pcap4j's
 * {@code getNextRawPacket} loop over the same pcap file in the same run (the baseline users
 * have today). One operation is one frame: each invocation reads a whole generated file of
 * {@value #FRAMES} Ethernet frames averaging about 510 bytes, so the score is ns/frame and,
 * with {@code -prof gc}, {@code gc.alloc.rate.norm} is bytes per frame. The file stays in the
 * page cache, so this measures the reader, not the disk.
 *
 * <p>Run it with:
 * <pre>
 * mvn -B -q -pl flowkit-bench -am package -DskipTests
 * java -jar flowkit-bench/target/benchmarks.jar ReaderBenchmark -prof gc
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class ReaderBenchmark {
    /** Frames per generated file, and operations per invocation. */
    static final int FRAMES = 100_000;
    private static final int[] SIZES = {60, 66, 74, 1514, 590, 1514, 120, 60, 1514, 187};

    private Path dir;
    private Path pcap;
    private Path pcapng;
    private final Sink sink = new Sink();

    /** Consumes each frame's length and first byte so that no read can be optimised away. */
    static final class Sink implements FrameHandler {
        long sum;

        @Override
        public void onFrame(long ts, int linkType, ByteBuffer buffer, int offset, int caplen, int wirelen) {
            sum += caplen + buffer.get(offset) + ts;
        }
    }

    /**
     * Writes the two capture files.
     *
     * @throws IOException if the temporary files cannot be written
     */
    @Setup(Level.Trial)
    public void writeCaptures() throws IOException {
        dir = Files.createTempDirectory("flowkit-reader-bench");
        pcap = dir.resolve("bench.pcap");
        pcapng = dir.resolve("bench.pcapng");
        byte[] frame = new byte[1514];
        for (int k = 0; k < frame.length; k++) {
            frame[k] = (byte) (k * 13);
        }
        try (OutputStream p = Files.newOutputStream(pcap); OutputStream ng = Files.newOutputStream(pcapng)) {
            ByteBuffer h = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
            h.putInt(0xA1B2C3D4).putShort((short) 2).putShort((short) 4).putInt(0).putInt(0).putInt(65535)
                    .putInt(LinkType.ETHERNET);
            p.write(h.array(), 0, h.position());
            h.clear();
            h.putInt(0x0A0D0D0A).putInt(28).putInt(0x1A2B3C4D).putShort((short) 1).putShort((short) 0)
                    .putLong(-1L).putInt(28);
            h.putInt(1).putInt(20).putShort((short) LinkType.ETHERNET).putShort((short) 0).putInt(0).putInt(20);
            ng.write(h.array(), 0, h.position());
            long micros = 1_700_000_000_000_000L;
            for (int k = 0; k < FRAMES; k++) {
                int len = SIZES[k % SIZES.length];
                micros += 7;
                h.clear();
                h.putInt((int) (micros / 1_000_000)).putInt((int) (micros % 1_000_000)).putInt(len).putInt(len);
                p.write(h.array(), 0, 16);
                p.write(frame, 0, len);
                int padded = (len + 3) & ~3;
                h.clear();
                h.putInt(6).putInt(32 + padded).putInt(0).putInt((int) (micros >>> 32)).putInt((int) micros)
                        .putInt(len).putInt(len);
                ng.write(h.array(), 0, 28);
                ng.write(frame, 0, len);
                h.clear();
                h.put(new byte[padded - len]).putInt(32 + padded);
                ng.write(h.array(), 0, h.position());
            }
        }
    }

    /**
     * Deletes the capture files.
     *
     * @throws IOException if they cannot be deleted
     */
    @TearDown(Level.Trial)
    public void deleteCaptures() throws IOException {
        Files.deleteIfExists(pcap);
        Files.deleteIfExists(pcapng);
        Files.deleteIfExists(dir);
    }

    private long drain(PacketSource source) throws IOException {
        try (source) {
            while (source.poll(sink, 256) != PacketSource.END_OF_INPUT) {
                // the sink consumes the frames
            }
            return sink.sum;
        }
    }

    /**
     * Reads the pcap file with flowkit's memory-mapped reader.
     *
     * @return a value depending on every frame
     * @throws IOException if reading fails
     */
    @Benchmark
    @OperationsPerInvocation(FRAMES)
    public long flowkitPcap() throws IOException {
        return drain(PcapFile.open(pcap));
    }

    /**
     * Reads the pcapng file with flowkit's memory-mapped reader.
     *
     * @return a value depending on every frame
     * @throws IOException if reading fails
     */
    @Benchmark
    @OperationsPerInvocation(FRAMES)
    public long flowkitPcapng() throws IOException {
        return drain(PcapFile.open(pcapng));
    }

    /**
     * Reads the pcap file with pcap4j's {@code getNextRawPacket} loop (libpcap underneath).
     *
     * @return a value depending on every frame
     * @throws PcapNativeException if libpcap cannot open the file
     * @throws NotOpenException    never, the handle is open
     */
    @Benchmark
    @OperationsPerInvocation(FRAMES)
    public long pcap4jPcap() throws PcapNativeException, NotOpenException {
        long sum = 0;
        try (PcapHandle h = Pcaps.openOffline(pcap.toString())) {
            byte[] raw;
            while ((raw = h.getNextRawPacket()) != null) {
                sum += raw.length + raw[0] + h.getTimestamp().getTime();
            }
        }
        return sum;
    }
}
