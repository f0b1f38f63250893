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
                  --link-resumed       link a record to the one it continues after an idle
                                       gap of up to 24h: adds resumed_uid and session_* columns
                                       (session totals) after Zeek's columns
            """;

    private final FlowTracker.Builder builder;
    boolean progressLog;
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
                progressLog = true;
                builder.progressAges(TrackerConfig.DEFAULT_PROGRESS_AGES.toArray(new Duration[0]));
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
}
