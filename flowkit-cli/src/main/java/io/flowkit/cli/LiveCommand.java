package io.flowkit.cli;

import io.flowkit.FlowTracker;
import io.flowkit.PacketSource;
import io.flowkit.SourceStats;
import io.flowkit.core.ConnLogWriter;
import io.flowkit.core.LogFormat;
import io.flowkit.core.ScanLogWriter;
import io.flowkit.pcap.PcapLive;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * {@code flowkit live}: captures from an interface and writes conn.log as connections close, one
 * flushed line each. On {@code --seconds}, SIGINT or SIGTERM it stops capturing, delivers every
 * connection still open and closes the log.
 */
final class LiveCommand {
    static final String USAGE = """
            Usage: flowkit live -i IFACE [options]

            Captures from a network interface (needs libpcap and capture permission) and writes
            a conn.log line as each connection closes. Stops after --seconds, or on Ctrl-C or
            SIGTERM, and then writes the connections still open.

            Options:
              -i, --interface IFACE    the interface, such as eth0 or lo (required)
                  --filter BPF         a capture filter, such as 'tcp port 443'
                  --seconds N          stop after N seconds
                  --snaplen BYTES      bytes captured per packet (default 262144)
                  --no-promiscuous     do not put the interface in promiscuous mode
              -o, --out DIR            write DIR/conn.log and DIR/scan.log
                                       (default: conn.log to standard output, no scan.log)
              -f, --format FORMAT      zeek (TSV, default) or json (JSON lines)
              -C, --ignore-checksums   accept packets with bad checksums (offloading NICs)
                  --local-nets CIDR,.. networks for local_orig/local_resp
            """ + ScanOptions.USAGE + """
                  --stats              print statistics to standard error at the end
              -h, --help               show this help
            """;

    private final PrintStream out;
    private final PrintStream err;

    LiveCommand(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    int run(String[] argv) throws UsageException, InputException, IOException {
        Args args = new Args(argv, 1);
        FlowTracker.Builder builder = FlowTracker.builder();
        String iface = null;
        PcapLive.Builder live;
        String filter = null;
        long seconds = 0;
        int snaplen = -1;
        boolean promiscuous = true;
        Path outDir = null;
        LogFormat format = LogFormat.ZEEK;
        boolean stats = false;
        ScanOptions scan = new ScanOptions();
        for (String opt; (opt = args.nextOption()) != null; ) {
            try {
                switch (opt) {
                    case "-i", "--interface" -> iface = args.value(opt);
                    case "--filter" -> filter = args.value(opt);
                    case "--seconds" -> seconds = Args.parseLong(opt, args.value(opt), 1);
                    case "--snaplen" -> snaplen = (int) Args.parseLong(opt, args.value(opt), 64);
                    case "--no-promiscuous" -> {
                        args.noValue(opt);
                        promiscuous = false;
                    }
                    case "-o", "--out" -> outDir = Path.of(args.value(opt));
                    case "-f", "--format" -> format = AnalyzeCommand.parseFormat(args.value(opt));
                    case "-C", "--ignore-checksums" -> {
                        args.noValue(opt);
                        builder.ignoreChecksums(true);
                    }
                    case "--local-nets" -> builder.localNetworks(Args.list(args.value(opt)));
                    case "--stats" -> {
                        args.noValue(opt);
                        stats = true;
                    }
                    case "--debug" -> args.noValue(opt);
                    case "-h", "--help" -> {
                        out.print(USAGE);
                        return 0;
                    }
                    default -> {
                        if (!scan.accept(opt, args)) {
                            throw new UsageException("unknown option " + opt);
                        }
                    }
                }
            } catch (IllegalArgumentException e) {
                throw new UsageException("option " + opt + ": " + e.getMessage());
            }
        }
        if (iface == null) {
            throw new UsageException("no interface given (-i IFACE)");
        }
        if (!args.operands().isEmpty()) {
            throw new UsageException("unexpected argument '" + args.operands().get(0) + "'");
        }
        if (outDir != null && scan.enabled) {
            try {
                builder.scanDetection(scan.build());
            } catch (IllegalArgumentException e) {
                throw new UsageException(e.getMessage());
            }
        }
        live = PcapLive.builder(iface).promiscuous(promiscuous);
        if (snaplen > 0) {
            live.snapLength(snaplen);
        }
        if (filter != null) {
            live.filter(filter);
        }

        PcapLive source;
        try {
            source = live.build();
        } catch (IOException e) {
            throw new InputException(e.getMessage(), e);
        }
        OutputStream logOut;
        if (outDir == null) {
            logOut = new NonClosingOutputStream(out);
        } else {
            try {
                Files.createDirectories(outDir);
                logOut = Files.newOutputStream(outDir.resolve("conn.log"));
            } catch (IOException e) {
                source.close();
                throw new InputException("cannot write " + outDir.resolve("conn.log") + ": " + e.getMessage(), e);
            }
        }
        ConnLogWriter log = ConnLogWriter.builder(logOut).format(format).flushEachRecord(true).build();
        ScanLogWriter scanLog = null;
        if (outDir != null && scan.enabled) {
            scanLog = ScanLogWriter.builder(Files.newOutputStream(outDir.resolve("scan.log"))).format(format)
                    .flushEachRecord(true).build();
            builder.scanListener(scanLog);
        }
        FlowTracker tracker = builder.connectionListener(log).build();

        CountDownLatch finished = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            // SIGINT/SIGTERM: stop capturing and let the main thread write what is open.
            source.stop();
            try {
                finished.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "flowkit-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        long deadline = seconds > 0 ? System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds) : Long.MAX_VALUE;
        SourceStats sourceStats;
        try {
            while (source.poll(tracker, 256) != PacketSource.END_OF_INPUT) {
                if (System.nanoTime() - deadline >= 0) {
                    break;
                }
            }
        } finally {
            sourceStats = source.stats();
            source.close();
            tracker.close();
            log.close();
            if (scanLog != null) {
                scanLog.close();
            }
            finished.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running; it returns now that finished is counted down
            }
        }
        if (stats) {
            err.printf(Locale.ROOT, "frames captured %d, kernel drops %d%n", sourceStats.frames(), sourceStats.kernelDrops());
            err.println(tracker.stats());
        }
        return 0;
    }
}
