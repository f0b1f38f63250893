package io.flowkit.cli;

import io.flowkit.FlowTracker;
import io.flowkit.PacketSource;
import io.flowkit.SourceStats;
import io.flowkit.pcap.PcapLive;
import java.io.IOException;
import java.io.PrintStream;
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
            """ + TrackerOptions.USAGE;

    private final PrintStream out;
    private final PrintStream err;
    private String iface;
    private String filter;
    private long seconds;
    private int snaplen = -1;
    private boolean promiscuous = true;

    LiveCommand(PrintStream out, PrintStream err) {
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
        if (iface == null) {
            throw new UsageException("no interface given (-i IFACE)");
        }
        if (!args.operands().isEmpty()) {
            throw new UsageException("unexpected argument '" + args.operands().get(0) + "'");
        }
        PcapLive.Builder live = PcapLive.builder(iface).promiscuous(promiscuous);
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
        // opened once the interface is: a log on disk says the capture runs
        TrackerOptions.Logs logs;
        try {
            logs = options.openLogs(out, true);
        } catch (InputException e) {
            source.close();
            throw e;
        }
        FlowTracker tracker = options.builder.boundListener(TrackerOptions.boundReporter(err)).build();

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
            logs.close();
            finished.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running; it returns now that finished is counted down
            }
        }
        if (options.stats()) {
            err.printf(Locale.ROOT, "frames captured %d, kernel drops %d%n", sourceStats.frames(), sourceStats.kernelDrops());
            err.println(tracker.stats());
        }
        return 0;
    }

    /** The options only {@code live} has. */
    private boolean accept(String opt, Args args) throws UsageException {
        switch (opt) {
            case "-i", "--interface" -> iface = args.value(opt);
            case "--filter" -> filter = args.value(opt);
            case "--seconds" -> seconds = Args.parseLong(opt, args.value(opt), 1);
            case "--snaplen" -> snaplen = (int) Args.parseLong(opt, args.value(opt), 64);
            case "--no-promiscuous" -> {
                args.noValue(opt);
                promiscuous = false;
            }
            default -> {
                return false;
            }
        }
        return true;
    }
}
