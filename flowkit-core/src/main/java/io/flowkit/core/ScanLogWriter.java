package io.flowkit.core;

import io.flowkit.ScanEvent;
import io.flowkit.ScanListener;
import io.flowkit.core.internal.log.LogStream;
import io.flowkit.core.internal.log.ZeekAscii;
import java.io.Closeable;
import java.io.Flushable;
import java.io.IOException;
import java.io.OutputStream;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * Writes scan events as a {@code scan.log}: register it as a {@link ScanListener} and every event
 * the tracker raises becomes one line, in Zeek's ASCII (TSV) format or as JSON lines.
 *
 * <pre>{@code
 * try (ScanLogWriter log = ScanLogWriter.builder(out).build()) {
 *     FlowTracker tracker = FlowTracker.builder().scanListener(log).build();
 *     ...
 * }   // writes the #close line and flushes
 * }</pre>
 *
 * <p><b>Columns</b>, in this order (JSON uses the same names):
 * <table class="striped">
 *   <caption>scan.log columns</caption>
 *   <thead><tr><th>field</th><th>Zeek type</th><th>value</th></tr></thead>
 *   <tbody>
 *     <tr><td>{@code ts}</td><td>time</td><td>when the threshold was crossed ({@link ScanEvent#timestampNanos()})</td></tr>
 *     <tr><td>{@code scanner}</td><td>addr</td><td>the scanning originator</td></tr>
 *     <tr><td>{@code kind}</td><td>enum</td><td>{@code address_scan}, {@code port_scan}, {@code port_address_scan} or {@code trw}</td></tr>
 *     <tr><td>{@code proto}</td><td>enum</td><td>{@code tcp}, {@code udp} or {@code icmp}</td></tr>
 *     <tr><td>{@code port}</td><td>port</td><td>the port of a per-port address scan; unset otherwise</td></tr>
 *     <tr><td>{@code distinct_hosts}</td><td>count</td><td>distinct hosts counted</td></tr>
 *     <tr><td>{@code distinct_ports}</td><td>count</td><td>distinct ports counted</td></tr>
 *     <tr><td>{@code attempts}</td><td>count</td><td>the source's attempts while tracked</td></tr>
 *     <tr><td>{@code failed}</td><td>count</td><td>of those, failed ones</td></tr>
 *     <tr><td>{@code first_seen}</td><td>time</td><td>first counted attempt</td></tr>
 *     <tr><td>{@code last_seen}</td><td>time</td><td>last counted attempt</td></tr>
 *     <tr><td>{@code top_ports}</td><td>vector[string]</td><td>{@code PORT:COUNT} pairs, most attempted first</td></tr>
 *     <tr><td>{@code hint}</td><td>string</td><td>classification hint (see {@link ScanEvent}); unset when none</td></tr>
 *     <tr><td>{@code sample_uids}</td><td>set[string]</td><td>uids of counted connections, to look up in {@code conn.log}</td></tr>
 *   </tbody>
 * </table>
 * Times are seconds since the Unix epoch with six decimals, as Zeek prints them. The TSV header
 * and footer are Zeek's ({@code #separator \x09}, {@code #set_separator ,},
 * {@code #empty_field (empty)}, {@code #unset_field -}, {@code #path scan}, {@code #open},
 * {@code #fields}, {@code #types}, {@code #close}). In JSON an unset field is left out and the
 * containers are arrays of strings.
 *
 * <p><b>Threading.</b> Not thread-safe; it is called on the tracker's thread. <b>Errors.</b> A
 * listener cannot throw checked exceptions, so the first {@link IOException} from the output is
 * kept, later events are dropped, and {@link #flush()} or {@link #close()} throw it.
 */
public final class ScanLogWriter implements ScanListener, Flushable, Closeable {
    /** The columns, in order. */
    public static final List<String> FIELDS = List.of("ts", "scanner", "kind", "proto", "port", "distinct_hosts",
            "distinct_ports", "attempts", "failed", "first_seen", "last_seen", "top_ports", "hint", "sample_uids");
    private static final List<String> TYPES = List.of("time", "addr", "enum", "enum", "port", "count", "count",
            "count", "count", "time", "time", "vector[string]", "string", "set[string]");

    private final LogStream log;

    private ScanLogWriter(Builder b) {
        this.log = new LogStream(b.out, b.format, b.flushEachRecord, "scan", FIELDS, TYPES, 1 << 14);
    }

    /**
     * Returns a builder writing to {@code out}. The writer buffers; it does not close {@code out}
     * until {@link #close()}.
     *
     * @param out where the log goes (a file, {@code System.out})
     * @return a builder with Zeek's TSV format
     */
    public static Builder builder(OutputStream out) {
        return new Builder(Objects.requireNonNull(out, "out"));
    }

    /** The {@code kind} column's value, e.g. {@code port_scan}. */
    private static String kindName(ScanEvent event) {
        return event.kind().name().toLowerCase(Locale.ROOT);
    }

    /**
     * Writes one event.
     *
     * @param e the event
     */
    @Override
    public void onScan(ScanEvent e) {
        if (!log.accepting()) {
            return;
        }
        if (log.format() == LogFormat.ZEEK) {
            appendTsv(e);
        } else {
            appendJson(e);
        }
        log.endRecord();
    }

    /**
     * Returns the number of events written.
     *
     * @return events written so far
     */
    public long records() {
        return log.records();
    }

    private void appendTsv(ScanEvent e) {
        StringBuilder sb = log.line();
        ZeekAscii.seconds(sb, e.timestampNanos());
        sb.append('\t');
        ZeekAscii.address(sb, e.scanner());
        sb.append('\t').append(kindName(e)).append('\t').append(e.protocol().zeekName()).append('\t');
        if (e.port() >= 0) {
            sb.append(e.port());
        } else {
            sb.append(ZeekAscii.UNSET);
        }
        sb.append('\t').append(e.distinctHosts()).append('\t').append(e.distinctPorts())
                .append('\t').append(e.attempts()).append('\t').append(e.failedAttempts()).append('\t');
        ZeekAscii.seconds(sb, e.firstSeenNanos());
        sb.append('\t');
        ZeekAscii.seconds(sb, e.lastSeenNanos());
        sb.append('\t');
        if (e.topPorts().isEmpty()) {
            sb.append(ZeekAscii.EMPTY);
        }
        for (int i = 0; i < e.topPorts().size(); i++) {
            ScanEvent.PortCount pc = e.topPorts().get(i);
            sb.append(i > 0 ? "," : "").append(pc.port()).append(':').append(pc.count());
        }
        sb.append('\t');
        ZeekAscii.string(sb, e.hint());
        sb.append('\t');
        ZeekAscii.set(sb, e.sampleUids());
        sb.append('\n');
    }

    private void appendJson(ScanEvent e) {
        StringBuilder sb = log.line();
        sb.append("{\"ts\":");
        ZeekAscii.seconds(sb, e.timestampNanos());
        sb.append(",\"scanner\":\"");
        ZeekAscii.address(sb, e.scanner());
        sb.append("\",\"kind\":\"").append(kindName(e)).append("\",\"proto\":\"").append(e.protocol().zeekName()).append('"');
        if (e.port() >= 0) {
            sb.append(",\"port\":").append(e.port());
        }
        sb.append(",\"distinct_hosts\":").append(e.distinctHosts())
                .append(",\"distinct_ports\":").append(e.distinctPorts())
                .append(",\"attempts\":").append(e.attempts())
                .append(",\"failed\":").append(e.failedAttempts())
                .append(",\"first_seen\":");
        ZeekAscii.seconds(sb, e.firstSeenNanos());
        sb.append(",\"last_seen\":");
        ZeekAscii.seconds(sb, e.lastSeenNanos());
        sb.append(",\"top_ports\":[");
        for (int i = 0; i < e.topPorts().size(); i++) {
            ScanEvent.PortCount pc = e.topPorts().get(i);
            sb.append(i > 0 ? ",\"" : "\"").append(pc.port()).append(':').append(pc.count()).append('"');
        }
        sb.append(']');
        if (e.hint() != null) {
            sb.append(",\"hint\":");
            ZeekAscii.jsonString(sb, e.hint());
        }
        sb.append(",\"sample_uids\":[");
        for (int i = 0; i < e.sampleUids().size(); i++) {
            if (i > 0) {
                sb.append(',');
            }
            ZeekAscii.jsonString(sb, e.sampleUids().get(i));
        }
        sb.append("]}\n");
    }

    /**
     * Flushes buffered lines to the output.
     *
     * @throws IOException the first write failure, if any
     */
    @Override
    public void flush() throws IOException {
        log.flush();
    }

    /**
     * Writes the {@code #close} line (Zeek format), flushes and closes the output. Idempotent.
     *
     * @throws IOException the first write failure, if any
     */
    @Override
    public void close() throws IOException {
        log.close();
    }

    /** Configures a {@link ScanLogWriter}. */
    public static final class Builder {
        private final OutputStream out;
        private LogFormat format = LogFormat.ZEEK;
        private boolean flushEachRecord;

        private Builder(OutputStream out) {
            this.out = out;
        }

        /**
         * Sets the output format (default {@link LogFormat#ZEEK}).
         *
         * @param format the format
         * @return this
         */
        public Builder format(LogFormat format) {
            this.format = Objects.requireNonNull(format, "format");
            return this;
        }

        /**
         * Flushes after every event, for live capture where a line should appear at once
         * (default off: buffered).
         *
         * @param flush whether to flush per event
         * @return this
         */
        public Builder flushEachRecord(boolean flush) {
            this.flushEachRecord = flush;
            return this;
        }

        /**
         * Builds the writer; in Zeek format it writes the header at once.
         *
         * @return the writer
         */
        public ScanLogWriter build() {
            return new ScanLogWriter(this);
        }
    }
}
