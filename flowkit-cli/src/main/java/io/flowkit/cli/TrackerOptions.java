package io.flowkit.cli;

import io.flowkit.BoundListener;
import io.flowkit.Compressor;
import io.flowkit.FlowTracker;
import io.flowkit.core.ConnLogWriter;
import io.flowkit.core.LogFormat;
import io.flowkit.core.ScanLogWriter;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The options {@code analyze} and {@code live} share, parsed in one place so that the two commands
 * cannot drift apart: how the engine runs (uid seed, threads, the connection bound, the
 * compressor and its bounds), what the tracker does (checksums, local networks, the timeouts and
 * progress log of {@link LongConnectionOptions}, the detectors of {@link ScanOptions}) and where
 * its logs go ({@code -o}, {@code -f}). A command reads its arguments with {@link #parse}, handling its own
 * options first, then calls {@link #check()}, adds its own settings to {@link #builder}, and opens
 * the logs with {@link #openLogs}, which also registers them as the tracker's listeners.
 */
final class TrackerOptions {
    /** Help lines of the shared options, for a command's usage text after its own options. */
    static final String USAGE = """
                  --uid-seed N         make uids reproducible
                  --max-connections N  bound the connections tracked at once (default 250000);
                                       at the bound the one due to time out soonest
                                       is logged as evicted
                  --compress           keep TCP connections nobody answered in a compact pending
                                       table until they are answered (same conn.log; less memory
                                       under SYN floods and scans)
                  --max-pending N      bound the pending table of --compress (default 1000000)
                  --pending-timeout D  how long an unanswered attempt stays pending (default: the
                                       attempt timeout, 5s; shorter frees memory sooner under a
                                       flood, but a later reply then starts a new connection)
                  --threads N          run the connection engine on N threads (default 1);
                                       the same records, in another order
              -o, --out DIR            write DIR/conn.log and DIR/scan.log
                                       (default: conn.log to standard output, no scan.log)
              -f, --format FORMAT      zeek (TSV, default) or json (JSON lines)
              -C, --ignore-checksums   accept packets with bad checksums (Zeek's -C; loopback
                                       and offloading NICs need it)
                  --local-nets CIDR,.. networks for local_orig/local_resp
                                       (default: Zeek's private and reserved ranges)
            """ + LongConnectionOptions.USAGE + ScanOptions.USAGE + """
                  --stats              print capture and engine statistics to standard error
                  --debug              print stack traces with errors
              -h, --help               show this help
            """;

    /** A command's own options, tried before the shared ones. */
    @FunctionalInterface
    interface CommandOptions {
        /**
         * Consumes {@code opt} if it belongs to the command.
         *
         * @return whether it did
         */
        boolean accept(String opt) throws UsageException, InputException;
    }

    /** The tracker being configured; commands add their own settings before building it. */
    final FlowTracker.Builder builder = FlowTracker.builder();
    private final ScanOptions scan = new ScanOptions();
    private final LongConnectionOptions longConnections = new LongConnectionOptions(builder);
    private final Compressor.Builder compressor = Compressor.builder();
    private boolean compress;
    private Path outDir;
    private LogFormat format = LogFormat.ZEEK;
    private boolean stats;

    /**
     * Reads every option of {@code args}: {@code own} first, then the shared ones. A builder's
     * {@link IllegalArgumentException} becomes a usage error naming the option.
     *
     * @param args the command's arguments
     * @param own  the command's own options
     * @return {@code false} when help was asked for, so the command prints its usage and exits 0
     * @throws UsageException on an unknown option or a bad value
     * @throws InputException when a command option needs something the machine lacks
     */
    boolean parse(Args args, CommandOptions own) throws UsageException, InputException {
        for (String opt; (opt = args.nextOption()) != null; ) {
            if (opt.equals("-h") || opt.equals("--help")) {
                return false;
            }
            try {
                if (!own.accept(opt) && !accept(opt, args)) {
                    throw new UsageException("unknown option " + opt);
                }
            } catch (IllegalArgumentException e) {
                throw new UsageException("option " + opt + ": " + e.getMessage());
            }
        }
        return true;
    }

    private boolean accept(String opt, Args args) throws UsageException {
        switch (opt) {
            case "-o", "--out" -> outDir = Path.of(args.value(opt));
            case "-f", "--format" -> format = parseFormat(args.value(opt));
            case "-C", "--ignore-checksums" -> {
                args.noValue(opt);
                builder.ignoreChecksums(true);
            }
            case "--local-nets" -> builder.localNetworks(Args.list(args.value(opt)));
            case "--stats" -> {
                args.noValue(opt);
                stats = true;
            }
            case "--debug" -> args.noValue(opt); // Main looks for it before the command runs
            case "--uid-seed" -> builder.uidSeed(Args.parseLong(opt, args.value(opt), Long.MIN_VALUE));
            case "--threads" -> builder.threads(
                    (int) Math.min(Integer.MAX_VALUE, Args.parseLong(opt, args.value(opt), 1)));
            case "--max-connections" -> builder.maxConnections(count(opt, args.value(opt)));
            case "--compress" -> {
                args.noValue(opt);
                compress = true;
            }
            case "--max-pending" -> compressor.maxPendingConnections(count(opt, args.value(opt)));
            case "--pending-timeout" -> compressor.pendingTimeout(Args.parseDuration(opt, args.value(opt)));
            default -> {
                return scan.accept(opt, args) || longConnections.accept(opt, args);
            }
        }
        return true;
    }

    /** Parses a bound such as {@code --max-pending}: 1 to {@link Integer#MAX_VALUE}. */
    private static int count(String option, String v) throws UsageException {
        long n = Args.parseLong(option, v, 1);
        if (n > Integer.MAX_VALUE) {
            throw new UsageException("option " + option + " must be at most " + Integer.MAX_VALUE + ", got " + v);
        }
        return (int) n;
    }

    static LogFormat parseFormat(String v) throws UsageException {
        return switch (v.toLowerCase(Locale.ROOT)) {
            case "zeek", "tsv" -> LogFormat.ZEEK;
            case "json" -> LogFormat.JSON;
            default -> throw new UsageException("unknown format '" + v + "' (expected zeek or json)");
        };
    }

    /**
     * Checks the options against each other, the command's own settings on {@link #builder}
     * included, hands the compressor settings to the tracker with {@code --compress}, and turns
     * scan detection on when it has a log to write to (with {@code -o}, unless {@code --no-scan}).
     * Call after the command has set its own options.
     *
     * @throws UsageException when they contradict each other
     */
    void check() throws UsageException {
        if (longConnections.progressLog != null && outDir == null) {
            throw new UsageException("option " + longConnections.progressLog + " needs -o DIR");
        }
        if (compress) {
            builder.compressor(compressor.build());
        }
        try {
            if (scanLog()) {
                builder.scanDetection(scan.build());
            }
            builder.config();
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }

    private boolean scanLog() {
        return outDir != null && scan.enabled;
    }

    /**
     * A bound listener that says once per episode on {@code err} that a table is full and
     * evicting, and which option raises its bound.
     *
     * @param err where the messages go
     * @return the listener, for {@link FlowTracker.Builder#boundListener}
     */
    static BoundListener boundReporter(PrintStream err) {
        return (bound, limit) -> {
            String what = switch (bound) {
                case CONNECTIONS -> "the connection table is full (" + limit
                        + "): the connections due to time out soonest are logged early as evicted;"
                        + " raise --max-connections";
                case PENDING -> "the pending table is full (" + limit
                        + "): the stalest attempts are logged early as evicted; raise --max-pending";
                case FRAGMENTS -> "fragment reassembly is full (" + limit + " datagrams): the oldest are dropped";
                case SCAN_SOURCES -> "scan detection tracks its most sources (" + limit
                        + "): the stalest sources are forgotten";
            };
            err.println("flowkit: " + what);
        };
    }

    /** @return whether {@code --stats} was given */
    boolean stats() {
        return stats;
    }

    /**
     * Opens the logs the options ask for and registers them with {@link #builder}: conn.log (on
     * {@code stdout} without {@code -o}), scan.log, conn_long.log; with {@code --link-resumed} the
     * connection logs get the resumed-connection columns. Call after {@link #check()}.
     *
     * @param stdout          standard output, left open when the logs close
     * @param flushEachRecord whether every record is flushed at once (live capture)
     * @return the open logs, to close after the tracker
     * @throws InputException when a log cannot be created; those already open are closed
     */
    Logs openLogs(PrintStream stdout, boolean flushEachRecord) throws InputException {
        Logs logs = new Logs();
        try {
            // conn.log into a file, not live: formatted and written on a thread of its own, beside
            // tracking (on standard output the logs share one stream, so they keep one thread)
            logs.conn = ConnLogWriter.builder(open(stdout, "conn.log")).format(format)
                    .flushEachRecord(flushEachRecord).resumedColumns(longConnections.linkResumed)
                    .writerThread(!flushEachRecord && outDir != null).build();
            if (scanLog()) {
                logs.scan = ScanLogWriter.builder(open(stdout, "scan.log")).format(format)
                        .flushEachRecord(flushEachRecord).build();
                builder.scanListener(logs.scan);
            }
            if (longConnections.progressLog != null) {
                logs.progress = ConnLogWriter.builder(open(stdout, "conn_long.log")).format(format)
                        .flushEachRecord(flushEachRecord).progressLog(true)
                        .resumedColumns(longConnections.linkResumed).build();
                builder.connectionListener(logs.progress);
            }
        } catch (InputException e) {
            try {
                logs.close();
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
        builder.connectionListener(logs.conn);
        return logs;
    }

    private OutputStream open(PrintStream stdout, String name) throws InputException {
        if (outDir == null) {
            return new NonClosingOutputStream(stdout);
        }
        try {
            Files.createDirectories(outDir);
            return Files.newOutputStream(outDir.resolve(name));
        } catch (IOException e) {
            throw new InputException("cannot write " + outDir.resolve(name) + ": " + e.getMessage(), e);
        }
    }

    /** The logs of one run; closing them writes Zeek's {@code #close} lines. */
    static final class Logs implements Closeable {
        private ConnLogWriter conn;
        private ConnLogWriter progress;
        private ScanLogWriter scan;

        private Logs() {
        }

        /** Closes every log that was opened, even when one fails; then rethrows the first failure. */
        @Override
        public void close() throws IOException {
            IOException failure = null;
            for (Closeable c : new Closeable[] {conn, progress, scan}) {
                if (c == null) {
                    continue;
                }
                try {
                    c.close();
                } catch (IOException e) {
                    if (failure == null) {
                        failure = e;
                    } else {
                        failure.addSuppressed(e);
                    }
                }
            }
            if (failure != null) {
                throw failure;
            }
        }
    }
}
