package io.flowkit.bench;

import io.flowkit.Connection;
import io.flowkit.ConnectionListener;
import io.flowkit.FlowTracker;
import io.flowkit.LinkType;
import io.flowkit.PacketSource;
import io.flowkit.bench.gen.GeneratorOptions;
import io.flowkit.bench.gen.TrafficGenerator;
import io.flowkit.core.ConnLogWriter;
import io.flowkit.pcap.PcapFile;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
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
 * Cost per connection record, the part of a run that is paid once per connection rather than
 * once per packet: the connection's timer firing, its record built from the tables, and the
 * record written as a {@code conn.log} line. One operation is one record.
 *
 * <ul>
 * <li>{@code expireUdp}: a tracker fed one UDP request and its reply per operation, each on a new
 * address pair (one in eight IPv6), with a 1-second UDP timeout and network time moving 40 µs per
 * operation, so about 25,000 connections are open and each operation also expires one: create,
 * two packets, timer, record, listener. {@code listener=none} drops the records; {@code
 * listener=connlog} writes them with a {@link ConnLogWriter} to a stream that discards them, so
 * the difference between the two is the cost of formatting a line; {@code listener=writerThread}
 * hands them to a writer with {@code writerThread(true)}, which formats them on its own thread
 * (the difference to {@code none} is then the hand-over, when a core is free for the writer).</li>
 * <li>{@code formatRecords}: the writer alone, on records of realistic traffic (a generated
 * capture of 200,000 packets over 1,000 concurrent flows: TCP with handshakes and closes, UDP,
 * ICMP, 10% IPv6, scanners).</li>
 * </ul>
 * With {@code -prof gc}, {@code gc.alloc.rate.norm} is bytes allocated per record (records are
 * objects, so this is not 0; the packets themselves allocate nothing).
 *
 * <p>Run it with:
 * <pre>{@code
 * mvn -B -q -pl flowkit-bench -am package -DskipTests
 * java -jar flowkit-bench/target/benchmarks.jar RecordBenchmark -prof gc
 * }</pre>
 * A short run: add {@code -f 1 -wi 3 -i 5}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgs = {"-Xmx1g"})
public class RecordBenchmark {
    /** Records per invocation of {@code expireUdp}. */
    static final int BATCH = 4096;
    /** Records per invocation of {@code formatRecords}. */
    static final int FORMAT = 8192;

    /** An output that discards everything, so only formatting is measured. */
    private static final class Discard extends OutputStream {
        long bytes;

        @Override
        public void write(int b) {
            bytes++;
        }

        @Override
        public void write(byte[] b, int off, int len) {
            bytes += len;
        }
    }

    /** The tracker of {@code expireUdp} and its frames. */
    @State(Scope.Thread)
    public static class Udp {
        /** Distinct address pairs; a pair comes back after {@code PAIRS * STEP} = 2.6 s, when its last connection has expired. */
        private static final int PAIRS = 65536;
        private static final long STEP = 40_000;
        private static final int SLOT = 128;

        /**
         * What receives the records: {@code none} counts them, {@code connlog} writes them,
         * {@code writerThread} writes them on the writer's own thread.
         */
        @Param({"none", "connlog", "writerThread"})
        public String listener;

        private ByteBuffer frames;
        private int[] lengths;
        private FlowTracker tracker;
        private ConnLogWriter log;
        private int next;
        private long now = TrafficGenerator.START_NANOS;
        private long seen;

        /** Builds the frames and opens the tracker with every pair's connection open once. */
        @Setup(Level.Trial)
        public void setUp() {
            frames = ByteBuffer.allocateDirect(2 * PAIRS * SLOT);
            lengths = new int[2 * PAIRS];
            for (int k = 0; k < PAIRS; k++) {
                boolean v6 = k % 8 == 0;
                int payload = 20 + k % 200;
                lengths[2 * k] = udp(2 * k * SLOT, v6, k, true, payload);
                lengths[2 * k + 1] = udp((2 * k + 1) * SLOT, v6, k, false, 2 * payload);
            }
            ConnectionListener sink;
            if (!listener.equals("none")) {
                log = ConnLogWriter.builder(new Discard()).writerThread(listener.equals("writerThread")).build();
                sink = log;
            } else {
                sink = c -> seen++;
            }
            tracker = FlowTracker.builder().ignoreChecksums(true).uidSeed(1)
                    .udpInactivityTimeout(Duration.ofSeconds(1)).connectionListener(sink).build();
            for (int round = 0; round < 2 * PAIRS / BATCH; round++) {
                run();
            }
        }

        /**
         * Closes the tracker and the writer.
         *
         * @throws IOException never: the output discards
         */
        @TearDown(Level.Trial)
        public void tearDown() throws IOException {
            tracker.close();
            if (log != null) {
                log.close();
            }
        }

        /** Writes a UDP packet of pair {@code k}, request or reply, raw IPv4 or IPv6; returns its length. */
        private int udp(int off, boolean v6, int k, boolean request, int payload) {
            ByteBuffer b = frames;
            int client = 0x0A000000 | k;
            int server = 0xC0A80000 | (k & 0xFF);
            int cport = 1024 + k % 50000;
            int ip;
            if (v6) {
                ip = 40;
                b.put(off, (byte) 0x60);
                b.putShort(off + 4, (short) (8 + payload));
                b.put(off + 6, (byte) 17);
                b.put(off + 7, (byte) 64);
                b.putInt(off + 8, 0x20010DB8);
                b.putInt(off + 20, request ? client : server);
                b.putInt(off + 24, 0x20010DB8);
                b.putInt(off + 36, request ? server : client);
            } else {
                ip = 20;
                b.put(off, (byte) 0x45);
                b.putShort(off + 2, (short) (28 + payload));
                b.put(off + 8, (byte) 64);
                b.put(off + 9, (byte) 17);
                b.putInt(off + 12, request ? client : server);
                b.putInt(off + 16, request ? server : client);
            }
            b.putShort(off + ip, (short) (request ? cport : 53));
            b.putShort(off + ip + 2, (short) (request ? 53 : cport));
            b.putShort(off + ip + 4, (short) (8 + payload));
            return ip + 8 + payload;
        }

        long run() {
            for (int i = 0; i < BATCH; i++) {
                int k = next;
                next = (k + 1) & (PAIRS - 1);
                now += STEP;
                tracker.onFrame(now, LinkType.RAW, frames, 2 * k * SLOT, lengths[2 * k], lengths[2 * k]);
                tracker.onFrame(now + STEP / 2, LinkType.RAW, frames, (2 * k + 1) * SLOT, lengths[2 * k + 1],
                        lengths[2 * k + 1]);
            }
            return tracker.networkTimeNanos() + seen;
        }
    }

    /** The records of {@code formatRecords} and their writer. */
    @State(Scope.Thread)
    public static class Generated {
        private Connection[] records;
        private ConnLogWriter log;

        /**
         * Generates a capture, tracks it and keeps its first {@value #FORMAT} records.
         *
         * @throws IOException if the capture cannot be written or read
         */
        @Setup(Level.Trial)
        public void setUp() throws IOException {
            Path dir = Files.createTempDirectory("flowkit-record-bench");
            Path capture = dir.resolve("records.pcap");
            List<Connection> out = new ArrayList<>();
            try {
                TrafficGenerator.generate(GeneratorOptions.builder().output(capture).packets(200_000)
                        .concurrentFlows(1000).scanners(true).seed(3).build());
                FlowTracker t = FlowTracker.builder().uidSeed(1).connectionListener(out::add).build();
                try (PacketSource source = PcapFile.open(capture)) {
                    t.run(source);
                }
                t.close();
            } finally {
                try (var files = Files.list(dir)) {
                    for (Path p : (Iterable<Path>) files::iterator) {
                        Files.delete(p);
                    }
                }
                Files.delete(dir);
            }
            if (out.size() < FORMAT) {
                throw new IllegalStateException("the generated capture gave only " + out.size() + " records");
            }
            records = out.subList(0, FORMAT).toArray(new Connection[0]);
            log = ConnLogWriter.builder(new Discard()).build();
        }

        /**
         * Closes the writer.
         *
         * @throws IOException never: the output discards
         */
        @TearDown(Level.Trial)
        public void tearDown() throws IOException {
            log.close();
        }
    }

    /**
     * Tracks one new UDP connection and expires one.
     *
     * @param udp the tracker
     * @return network time, so nothing is optimised away
     */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long expireUdp(Udp udp) {
        return udp.run();
    }

    /**
     * Writes {@value #FORMAT} records of generated traffic as {@code conn.log} lines.
     *
     * @param g the records and the writer
     * @return records written so far
     */
    @Benchmark
    @OperationsPerInvocation(FORMAT)
    public long formatRecords(Generated g) {
        Connection[] r = g.records;
        for (Connection c : r) {
            g.log.onConnectionClosed(c);
        }
        return g.log.records();
    }
}
