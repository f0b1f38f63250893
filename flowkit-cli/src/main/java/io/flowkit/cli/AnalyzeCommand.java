package io.flowkit.cli;

import io.flowkit.Bound;
import io.flowkit.CaptureFormatException;
import io.flowkit.FlowTracker;
import io.flowkit.PacketSource;
import io.flowkit.SkipReason;
import io.flowkit.SourceStats;
import io.flowkit.TrackerStats;
import io.flowkit.pcap.BpfFilter;
import io.flowkit.pcap.PcapFile;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/** {@code flowkit analyze}: capture files in, conn.log out. */
final class AnalyzeCommand {
    static final String USAGE = """
            Usage: flowkit analyze [options] FILE...

            Reads pcap and pcapng captures (gzip-compressed too; '-' reads standard input) in the
            order given, as one timeline, and writes Zeek-style connection records.

            Options:
                  --filter BPF         read only frames matching a tcpdump filter expression
                                       (Zeek's -f; needs libpcap to compile it)
            """ + TrackerOptions.USAGE;

    private final PrintStream out;
    private final PrintStream err;
    private BpfFilter filter;

    AnalyzeCommand(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    int run(String[] argv) throws UsageException, InputException, IOException {
        Args args = new Args(argv, 1);
        TrackerOptions options = new TrackerOptions();
        if (!options.parse(args, opt -> accept(opt, args))) {
            out.print(USAGE);
            return 0;
        }
        options.check();
        List<String> files = args.operands();
        if (files.isEmpty()) {
            throw new UsageException("no capture file given");
        }
        for (String f : files) {
            if (!f.equals("-") && !Files.isReadable(Path.of(f))) {
                throw new InputException("cannot read " + f + ": "
                        + (Files.exists(Path.of(f)) ? "permission denied" : "no such file"), null);
            }
        }

        TrackerOptions.Logs logs = options.openLogs(out, false);
        FlowTracker tracker = options.builder.boundListener(TrackerOptions.boundReporter(err)).build();
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
            logs.close();
        }
        long elapsed = System.nanoTime() - started;
        if (options.stats()) {
            printStats(tracker.stats(), sourceStats, elapsed);
        }
        if (failure != null) {
            throw failure;
        }
        return 0;
    }

    /** The options only {@code analyze} has. */
    private boolean accept(String opt, Args args) throws UsageException, InputException {
        if (opt.equals("--filter")) {
            filter = compileFilter(args.value(opt));
            return true;
        }
        return false;
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
        if (t.resumeLinks() + t.resumeDropped() + t.resumeExpired() > 0) {
            err.printf(Locale.ROOT, "resumed connections  %d linked, %d forgotten at the bound, %d after the horizon%n",
                    t.resumeLinks(), t.resumeDropped(), t.resumeExpired());
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
