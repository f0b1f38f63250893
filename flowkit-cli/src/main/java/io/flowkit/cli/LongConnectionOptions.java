package io.flowkit.cli;

import io.flowkit.FlowTracker;
import io.flowkit.PortKey;
import io.flowkit.TrackerConfig;
import java.time.Duration;

/**
 * The long-lived-connection options shared by {@code analyze} and {@code live}: inactivity
 * timeouts, fed to the tracker builder directly, the progress log, and the linking of resumed
 * connections (with its conn.log columns). Defaults stay Zeek's, so
 * a long-lived connection that idles longer than its timeout is split into several records
 * unless one of these options lengthens it; the progress log shows open connections early.
 */
final class LongConnectionOptions {
    static final String USAGE = """
                  --tcp-inactivity-timeout DURATION
                                       idle time that ends an established TCP connection (5m)
                  --udp-inactivity-timeout DURATION
                                       idle time that ends a UDP flow (1m)
                  --icmp-inactivity-timeout DURATION
                                       idle time that ends an ICMP flow (1m)
                  --timeout PORT/PROTO=DURATION,..
                                       per responder port, e.g. 22/tcp=1h,5060/udp=10m
                                       (default: 21,22,23,513/tcp=1h as in Zeek)
                  --progress-log       with -o: write DIR/conn_long.log, conn.log columns for
                                       connections still open at 10m, 1h, then every hour
                  --progress-ages DURATION,..
                                       the progress log at these ages instead (increasing; the
                                       last repeats: 5m,30m is 5m, 30m, 1h, 1h30m, ...);
                                       implies --progress-log
                  --link-resumed       link a record to the one it continues after an idle
                                       gap of up to 24h: adds resumed_uid and session_* columns
                                       (session totals) after Zeek's columns
            """;

    private final FlowTracker.Builder builder;
    /** The option that turned the progress log on, or null while it is off. */
    String progressLog;
    /** The ages given with --progress-ages, or null for the default ones. */
    private Duration[] progressAges;
    boolean linkResumed;

    LongConnectionOptions(FlowTracker.Builder builder) {
        this.builder = builder;
    }

    /**
     * Consumes {@code opt} if it is a timeout option. A malformed port surfaces as the
     * builder's {@link IllegalArgumentException}, which the commands report as a usage error.
     *
     * @return whether it was one
     */
    boolean accept(String opt, Args args) throws UsageException {
        switch (opt) {
            case "--tcp-inactivity-timeout" -> builder.tcpInactivityTimeout(Args.parseDuration(opt, args.value(opt)));
            case "--udp-inactivity-timeout" -> builder.udpInactivityTimeout(Args.parseDuration(opt, args.value(opt)));
            case "--icmp-inactivity-timeout" ->
                    builder.icmpInactivityTimeout(Args.parseDuration(opt, args.value(opt)));
            case "--timeout" -> {
                for (String item : Args.list(args.value(opt))) {
                    int eq = item.indexOf('=');
                    if (eq <= 0) {
                        throw new UsageException("option " + opt + " needs PORT/PROTO=DURATION such as 22/tcp=1h, got '"
                                + item + "'");
                    }
                    builder.inactivityTimeout(PortKey.parse(item.substring(0, eq)),
                            Args.parseDuration(opt, item.substring(eq + 1)));
                }
            }
            case "--progress-log" -> {
                args.noValue(opt);
                progress(opt);
            }
            case "--progress-ages" -> {
                progressAges = parseAges(opt, args.value(opt));
                progress(opt);
            }
            case "--link-resumed" -> {
                args.noValue(opt);
                linkResumed = true;
                builder.linkResumed(TrackerConfig.DEFAULT_RESUME_HORIZON);
            }
            default -> {
                return false;
            }
        }
        return true;
    }

    /** Turns the progress log on, with the ages of --progress-ages whichever option came first. */
    private void progress(String opt) {
        if (progressLog == null) {
            progressLog = opt;
        }
        builder.progressAges(progressAges != null ? progressAges
                : TrackerConfig.DEFAULT_PROGRESS_AGES.toArray(new Duration[0]));
    }

    /** Parses strictly increasing durations, such as {@code 10m,1h}. */
    private static Duration[] parseAges(String opt, String v) throws UsageException {
        String[] items = Args.list(v);
        Duration[] ages = new Duration[items.length];
        for (int i = 0; i < items.length; i++) {
            ages[i] = Args.parseDuration(opt, items[i]);
            if (i > 0 && ages[i].compareTo(ages[i - 1]) <= 0) {
                throw new UsageException("option " + opt + " needs increasing ages such as 10m,1h, got '" + v + "'");
            }
        }
        return ages;
    }
}
