package io.flowkit.cli;

import io.flowkit.Bound;
import io.flowkit.CaptureFormatException;
import io.flowkit.Compressor;
import io.flowkit.FlowTracker;
import io.flowkit.PacketSource;
import io.flowkit.SkipReason;
import io.flowkit.SourceStats;
import io.flowkit.TrackerStats;
import io.flowkit.core.ConnLogWriter;
import io.flowkit.core.LogFormat;
import io.flowkit.core.ScanLogWriter;
import io.flowkit.pcap.BpfFilter;
import io.flowkit.pcap.PcapFile;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** {@code flowkit analyze}: capture files in, conn.log out. */
final class AnalyzeCommand {
    static final String USAGE = """
            Usage: flowkit analyze [options] FILE...

            Reads pcap and pcapng captures (gzip-compressed too; '-' reads standard input) in the
            order given, as one timeline, and writes Zeek-style connection records.

            Options:
              -o, --out DIR            write DIR/conn.log and DIR/scan.log
                                       (default: conn.log to standard output, no scan.log)
              -f, --format FORMAT      zeek (TSV, default) or json (JSON lines)
              -C, --ignore-checksums   accept packets with bad checksums (Zeek's -C)
                  --filter BPF         read only frames matching a tcpdump filter expression
                                       (Zeek's -f; needs libpcap to compile it)
                  --local-nets CIDR,.. networks for local_orig/local_resp
                                       (default: Zeek's private and reserved ranges)
                  --uid-seed N         make uids reproducible
                  --max-connections N  bound the connections tracked at once (default 250000);
                                       at the bound the stalest is logged as evicted
                  --compress           keep TCP connections nobody answered in a compact pending
                                       table until they are answered (same conn.log; less memory
                                       under SYN floods and scans)
                  --max-pending N      bound the pending table of --compress (default 1000000)
                  --pending-timeout D  how long an unanswered attempt stays pending (default: the
                                       attempt timeout, 5s; shorter frees memory sooner under a
                                       flood, but a later reply then starts a new connection)
                  --threads N          run the connection engine on N threads (default 1);
                                       the same records, in another order
            """ + LongConnectionOptions.USAGE + ScanOptions.USAGE + """
                  --stats              print capture and engine statistics to standard error
                  --debug              print stack traces with errors
              -h, --help               show this help
            """;

    private final PrintStream out;
    private final PrintStream err;

    AnalyzeCommand(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    int run(String[] argv) throws UsageException, InputException, IOException {
        Args args = new Args(argv, 1);
        FlowTracker.Builder builder = FlowTracker.builder();
        Path outDir = null;
        LogFormat format = LogFormat.ZEEK;
        boolean stats = false;
        boolean compress = false;
        Compressor.Builder compressor = Compressor.builder();
        ScanOptions scan = new ScanOptions();
        LongConnectionOptions longConn = new LongConnectionOptions(builder);
        BpfFilter filter = null;
        for (String opt; (opt = args.nextOption()) != null; ) {
            try {
                switch (opt) {
                    case "-o", "--out" -> outDir = Path.of(args.value(opt));
                    case "-f", "--format" -> format = parseFormat(args.value(opt));
                    case "-C", "--ignore-checksums" -> {
                        args.noValue(opt);
                        builder.ignoreChecksums(true);
                    }
                    case "--local-nets" -> builder.localNetworks(Args.list(args.value(opt)));
                    case "--filter" -> filter = compileFilter(args.value(opt));
                    case "--uid-seed" -> builder.uidSeed(Args.parseLong(opt, args.value(opt), Long.MIN_VALUE));
                    case "--threads" -> builder.threads(
                            (int) Math.min(Integer.MAX_VALUE, Args.parseLong(opt, args.value(opt), 1)));
                    case "--max-connections" -> builder.maxConnections(
                            count(opt, args.value(opt)));
                    case "--compress" -> {
                        args.noValue(opt);
                        compress = true;
                    }
                    case "--max-pending" -> compressor.maxPendingConnections(
                            count(opt, args.value(opt)));
                    case "--pending-timeout" -> compressor.pendingTimeout(Args.parseDuration(opt, args.value(opt)));
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
                        if (!scan.accept(opt, args) && !longConn.accept(opt, args)) {
                            throw new UsageException("unknown option " + opt);
                        }
                    }
                }
            } catch (IllegalArgumentException e) {
                throw new UsageException("option " + opt + ": " + e.getMessage());
            }
        }
        if (longConn.progressLog && outDir == null) {
            throw new UsageException("option --progress-log needs -o DIR");
        }
        List<String> files = args.operands();
        if (compress) {
            builder.compressor(compressor.build());
        }
        if (files.isEmpty()) {
            throw new UsageException("no capture file given");
        }
        for (String f : files) {
            if (!f.equals("-") && !Files.isReadable(Path.of(f))) {
                throw new InputException("cannot read " + f + ": "
                        + (Files.exists(Path.of(f)) ? "permission denied" : "no such file"), null);
            }
        }

        ScanLogWriter scanLog = null;
        try {
            if (outDir != null && scan.enabled) {
                builder.scanDetection(scan.build());
            }
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        OutputStream logOut = openLog(outDir, "conn.log");
        ConnLogWriter log = ConnLogWriter.builder(logOut).format(format).build();
        if (outDir != null && scan.enabled) {
            scanLog = ScanLogWriter.builder(openLog(outDir, "scan.log")).format(format).build();
            builder.scanListener(scanLog);
        }
        ConnLogWriter longLog = null;
        if (longConn.progressLog) {
            longLog = ConnLogWriter.builder(openLog(outDir, "conn_long.log")).format(format).progressLog(true).build();
            builder.connectionListener(longLog);
        }
        FlowTracker tracker = builder.connectionListener(log).boundListener(this::boundReached).build();
        SourceStats sourceStats = SourceStats.EMPTY;
        long started = System.nanoTime();
        InputException failure = null;
        try {
            for (String f : files) {
                try (PacketSource opened = f.equals("-") ? PcapFile.open(System.in, "<stdin>") : PcapFile.open(Path.of(f));
                     PacketSource source = filter == null ? opened : filter.filter(opened)) {
                    try {
                        tracker.run(source);
                    } finally {
                        sourceStats = sourceStats.plus(source.stats());
                    }
                } catch (CaptureFormatException e) {
                    failure = new InputException(e.getMessage(), e);
                    break;
                } catch (NoSuchFileException | FileNotFoundException e) {
                    failure = new InputException("cannot read " + f + ": no such file", e);
                    break;
                } catch (IOException e) {
                    failure = new InputException("cannot read " + f + ": " + e.getMessage(), e);
                    break;
                }
            }
        } finally {
            // Whatever happened to the input, connections already tracked are written.
            tracker.close();
            log.close();
            if (longLog != null) {
                longLog.close();
            }
            if (scanLog != null) {
                scanLog.close();
            }
        }
        long elapsed = System.nanoTime() - started;
        if (stats) {
            printStats(tracker.stats(), sourceStats, elapsed);
        }
        if (failure != null) {
            throw failure;
        }
        return 0;
    }

    private OutputStream openLog(Path dir, String name) throws InputException {
        if (dir == null) {
            return new NonClosingOutputStream(out);
        }
        try {
            Files.createDirectories(dir);
            return Files.newOutputStream(dir.resolve(name));
        } catch (IOException e) {
            throw new InputException("cannot write " + dir.resolve(name) + ": " + e.getMessage(), e);
        }
    }

    /** Compiles a capture filter; a bad expression is bad usage, missing libpcap is unreadable input. */
    static BpfFilter compileFilter(String expression) throws UsageException, InputException {
        try {
            return BpfFilter.compile(expression);
        } catch (IllegalArgumentException e) {
            throw new UsageException("option --filter: " + e.getMessage());
        } catch (IllegalStateException e) {
            throw new InputException("cannot use --filter: " + e.getMessage(), e);
        }
    }

    static LogFormat parseFormat(String v) throws UsageException {
        return switch (v.toLowerCase(Locale.ROOT)) {
            case "zeek", "tsv" -> LogFormat.ZEEK;
            case "json" -> LogFormat.JSON;
            default -> throw new UsageException("unknown format '" + v + "' (expected zeek or json)");
        };
    }

    /** Parses a bound such as {@code --max-pending}: 1 to {@link Integer#MAX_VALUE}. */
    private static int count(String option, String v) throws UsageException {
        long n = Args.parseLong(option, v, 1);
        if (n > Integer.MAX_VALUE) {
            throw new UsageException("option " + option + " must be at most " + Integer.MAX_VALUE + ", got " + v);
        }
        return (int) n;
    }

    /** Says once per episode that a table is full and evicting, and which option raises its bound. */
    private void boundReached(Bound bound, long limit) {
        String what = switch (bound) {
            case CONNECTIONS -> "the connection table is full (" + limit
                    + "): the stalest connections are logged early as evicted; raise --max-connections";
            case PENDING -> "the pending table is full (" + limit
                    + "): the stalest attempts are logged early as evicted; raise --max-pending";
            case FRAGMENTS -> "fragment reassembly is full (" + limit + " datagrams): the oldest are dropped";
            case SCAN_SOURCES -> "scan detection tracks its most sources (" + limit
                    + "): the stalest sources are forgotten";
        };
        err.println("flowkit: " + what);
    }

    private void printStats(TrackerStats t, SourceStats s, long elapsedNanos) {
        double seconds = elapsedNanos / 1e9;
        err.printf(Locale.ROOT, "frames read          %d (%d bytes, %d truncated by snaplen, %d records skipped%s)%n",
                s.frames(), s.bytes(), s.truncated(), s.skippedRecords(),
                s.filtered() > 0 ? ", " + s.filtered() + " rejected by the filter" : "");
        err.printf(Locale.ROOT, "packets processed    %d (%d skipped, %d bad checksums)%n",
                t.packets(), t.skippedTotal(), t.badChecksums());
        for (SkipReason r : SkipReason.values()) {
            if (t.skipped(r) > 0) {
                err.printf(Locale.ROOT, "  skipped %-22s %d%n", r.name().toLowerCase(Locale.ROOT), t.skipped(r));
            }
        }
        if (t.fragments() > 0) {
            err.printf(Locale.ROOT, "ip fragments         %d (%d datagrams reassembled, %d reassemblies dropped)%n",
                    t.fragments(), t.reassembledDatagrams(), t.reassembliesDropped());
        }
        err.printf(Locale.ROOT, "connections          %d created, %d logged, %d evicted, peak %d%n",
                t.connectionsCreated(), t.connectionsClosed(), t.connectionsEvicted(), t.connectionsPeak());
        if (t.pendingPeak() > 0) {
            err.printf(Locale.ROOT, "compressor           %d promoted, %d expired, %d evicted, peak %d pending%n",
                    t.pendingPromotions(), t.pendingExpiries(), t.pendingEvictions(), t.pendingPeak());
        }
        for (Bound b : Bound.values()) {
            if (t.boundReached(b) > 0) {
                err.printf(Locale.ROOT, "bound reached        %s %d time(s), %d evicted%n",
                        b.name().toLowerCase(Locale.ROOT), t.boundReached(b), t.evictions(b));
            }
        }
        if (t.listenerFailures() > 0) {
            err.printf(Locale.ROOT, "listener failures    %d%n", t.listenerFailures());
        }
        err.printf(Locale.ROOT, "time                 %.3f s, %.2f Mpps, %.0f ns/packet%n", seconds,
                t.packets() / Math.max(seconds, 1e-9) / 1e6, t.packets() == 0 ? 0.0 : elapsedNanos / (double) t.packets());
    }
}
