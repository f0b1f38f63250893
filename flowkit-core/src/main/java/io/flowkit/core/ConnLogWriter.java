package io.flowkit.core;

import io.flowkit.Connection;
import io.flowkit.ConnectionListener;
import io.flowkit.core.internal.log.AsciiLine;
import io.flowkit.core.internal.log.LogStream;
import io.flowkit.core.internal.log.WriterThread;
import io.flowkit.core.internal.log.ZeekAscii;
import java.io.Closeable;
import java.io.Flushable;
import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Writes connection records as Zeek's {@code conn.log}: register it as a
 * {@link ConnectionListener} and every record the tracker delivers becomes one line.
 *
 * <pre>{@code
 * try (ConnLogWriter log = ConnLogWriter.builder(out).format(LogFormat.ZEEK).build()) {
 *     FlowTracker tracker = FlowTracker.builder().connectionListener(log).build();
 *     ...
 *     tracker.close();   // delivers the open connections to the log
 * }                      // writes the #close line and flushes
 * }</pre>
 *
 * <p>Columns are Zeek's, in Zeek's order: {@code ts uid id.orig_h id.orig_p id.resp_h id.resp_p proto
 * service duration orig_bytes resp_bytes conn_state local_orig local_resp missed_bytes history
 * orig_pkts orig_ip_bytes resp_pkts resp_ip_bytes tunnel_parents ip_proto}. As in Zeek,
 * {@code duration}, {@code orig_bytes} and {@code resp_bytes} are unset when the duration is 0,
 * and {@code tunnel_parents} is unset for a connection that was not tunnelled.
 *
 * <p>With {@link Builder#resumedColumns(boolean)} the {@link #RESUMED_FIELDS} follow: the uid of
 * the record a resumed connection continues and its session's totals
 * ({@link Connection#resumedFrom()}, {@link Connection#session()}), unset for other records.
 *
 * <p><b>Threading.</b> Not thread-safe; it is called on the tracker's thread. With
 * {@link Builder#writerThread(boolean)} it formats and writes on a thread of its own: the
 * listener methods, still called on the tracker's thread, only hand the record over (waiting
 * when {@code 4096} records are already waiting), and {@link #flush()} and {@link #close()}
 * wait until every record handed over is written. <b>Errors.</b> A listener cannot throw
 * checked exceptions, so the first {@link IOException} from the output is kept, later records
 * are dropped, and {@link #flush()} or {@link #close()} throw it.
 */
public final class ConnLogWriter implements ConnectionListener, Flushable, Closeable {
    /** The standard columns, in Zeek's order. */
    public static final List<String> FIELDS = List.of("ts", "uid", "id.orig_h", "id.orig_p", "id.resp_h",
            "id.resp_p", "proto", "service", "duration", "orig_bytes", "resp_bytes", "conn_state", "local_orig",
            "local_resp", "missed_bytes", "history", "orig_pkts", "orig_ip_bytes", "resp_pkts", "resp_ip_bytes",
            "tunnel_parents", "ip_proto");
    private static final List<String> TYPES = List.of("time", "string", "addr", "port", "addr", "port", "enum",
            "string", "interval", "count", "count", "string", "bool", "bool", "count", "string", "count", "count",
            "count", "count", "set[string]", "count");
    /**
     * The columns {@link Builder#resumedColumns(boolean)} adds after {@link #FIELDS}:
     * {@link Connection#resumedFrom()}, then the fields of {@link Connection#session()}.
     */
    public static final List<String> RESUMED_FIELDS = List.of("resumed_uid", "session_uid", "session_ts",
            "session_parts", "session_reversed", "session_orig_pkts", "session_orig_bytes", "session_resp_pkts",
            "session_resp_bytes");
    private static final List<String> RESUMED_TYPES = List.of("string", "string", "time", "count", "bool", "count",
            "count", "count", "count");

    private final boolean progress;
    private final boolean resumed;
    private final LogStream log;
    /** Formats and writes the records on its own thread, or null to do it on the caller's. */
    private final WriterThread thread;

    private ConnLogWriter(Builder b) {
        this.progress = b.progress;
        this.resumed = b.resumed;
        List<String> fields = FIELDS;
        List<String> types = TYPES;
        if (resumed) {
            fields = new ArrayList<>(FIELDS);
            fields.addAll(RESUMED_FIELDS);
            types = new ArrayList<>(TYPES);
            types.addAll(RESUMED_TYPES);
        }
        this.log = new LogStream(b.out, b.format, b.flushEachRecord, b.progress ? "conn_long" : "conn", fields, types,
                1 << 16);
        this.thread = !b.writerThread ? null : new WriterThread(b.progress ? "flowkit-conn_long.log" : "flowkit-conn.log",
                new WriterThread.Target() {
                    @Override
                    public void write(Object record) {
                        ConnLogWriter.this.write((Connection) record);
                    }

                    @Override
                    public void flush() throws IOException {
                        log.flush();
                    }
                }, b.flushEachRecord);
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

    /**
     * Writes one record, unless this is a progress log.
     *
     * @param c the record
     */
    @Override
    public void onConnectionClosed(Connection c) {
        if (!progress) {
            take(c);
        }
    }

    /**
     * Writes one progress snapshot if this is a progress log (see
     * {@link Builder#progressLog(boolean)}).
     *
     * @param c the snapshot
     */
    @Override
    public void onConnectionProgress(Connection c) {
        if (progress) {
            take(c);
        }
    }

    private void take(Connection c) {
        if (thread != null) {
            thread.put(c);
        } else {
            write(c);
        }
    }

    private void write(Connection c) {
        if (!log.accepting()) {
            return;
        }
        if (log.format() == LogFormat.ZEEK) {
            appendTsv(c);
        } else {
            appendJson(c);
        }
        log.endRecord();
    }

    /**
     * Returns the number of records written. With a writer thread, call it after
     * {@link #flush()} or {@link #close()}: records still on their way are not counted.
     *
     * @return records written so far
     */
    public long records() {
        return log.records();
    }

    private void appendTsv(Connection c) {
        AsciiLine line = log.asciiLine();
        line.seconds(c.startNanos()).append('\t').text(c.uid()).append('\t').address(c.origAddress())
                .append('\t').number(c.origPort()).append('\t').address(c.respAddress())
                .append('\t').number(c.respPort()).append('\t').ascii(c.protocol().zeekName())
                .append('\t').zeekString(c.service()).append('\t');
        if (c.durationNanos() > 0) {
            line.seconds(c.durationNanos()).append('\t').number(c.origBytes()).append('\t').number(c.respBytes());
        } else {
            line.ascii("-\t-\t-");
        }
        line.append('\t').ascii(c.state().name())
                .append('\t').append(c.localOrig() ? 'T' : 'F')
                .append('\t').append(c.localResp() ? 'T' : 'F')
                .append('\t').number(c.missedBytes()).append('\t')
                // Zeek leaves history unset, not empty, when no letter applies
                .zeekString(c.history().isEmpty() ? null : c.history())
                .append('\t').number(c.origPackets()).append('\t').number(c.origIpBytes())
                .append('\t').number(c.respPackets()).append('\t').number(c.respIpBytes()).append('\t')
                .zeekSet(c.tunnelParents().isEmpty() ? null : c.tunnelParents())
                .append('\t').number(c.ipProto());
        if (resumed) {
            Connection.Session s = c.session();
            if (s == null) {
                line.ascii("\t-\t-\t-\t-\t-\t-\t-\t-\t-");
            } else {
                line.append('\t').zeekString(c.resumedFrom())
                        .append('\t').zeekString(s.firstUid())
                        .append('\t').seconds(s.startNanos())
                        .append('\t').number(s.parts()).append('\t').append(s.reversed() ? 'T' : 'F')
                        .append('\t').number(s.origPackets()).append('\t').number(s.origBytes())
                        .append('\t').number(s.respPackets()).append('\t').number(s.respBytes());
            }
        }
        line.append('\n');
    }

    private void appendJson(Connection c) {
        StringBuilder sb = log.line();
        sb.append("{\"ts\":");
        ZeekAscii.seconds(sb, c.startNanos());
        sb.append(",\"uid\":");
        ZeekAscii.jsonString(sb, c.uid());
        sb.append(",\"id.orig_h\":\"");
        ZeekAscii.address(sb, c.origAddress());
        sb.append("\",\"id.orig_p\":").append(c.origPort()).append(",\"id.resp_h\":\"");
        ZeekAscii.address(sb, c.respAddress());
        sb.append("\",\"id.resp_p\":").append(c.respPort())
                .append(",\"proto\":\"").append(c.protocol().zeekName()).append('"');
        if (c.service() != null) {
            sb.append(",\"service\":");
            ZeekAscii.jsonString(sb, c.service());
        }
        if (c.durationNanos() > 0) {
            sb.append(",\"duration\":");
            ZeekAscii.seconds(sb, c.durationNanos());
            sb.append(",\"orig_bytes\":").append(c.origBytes()).append(",\"resp_bytes\":").append(c.respBytes());
        }
        sb.append(",\"conn_state\":\"").append(c.state().name()).append('"')
                .append(",\"local_orig\":").append(c.localOrig())
                .append(",\"local_resp\":").append(c.localResp())
                .append(",\"missed_bytes\":").append(c.missedBytes());
        if (!c.history().isEmpty()) {
            sb.append(",\"history\":");
            ZeekAscii.jsonString(sb, c.history());
        }
        sb.append(",\"orig_pkts\":").append(c.origPackets()).append(",\"orig_ip_bytes\":").append(c.origIpBytes())
                .append(",\"resp_pkts\":").append(c.respPackets()).append(",\"resp_ip_bytes\":").append(c.respIpBytes());
        if (!c.tunnelParents().isEmpty()) {
            sb.append(",\"tunnel_parents\":[");
            for (int i = 0; i < c.tunnelParents().size(); i++) {
                if (i > 0) {
                    sb.append(',');
                }
                ZeekAscii.jsonString(sb, c.tunnelParents().get(i));
            }
            sb.append(']');
        }
        sb.append(",\"ip_proto\":").append(c.ipProto());
        Connection.Session s = c.session();
        if (resumed && s != null) {
            sb.append(",\"resumed_uid\":");
            ZeekAscii.jsonString(sb, c.resumedFrom());
            sb.append(",\"session_uid\":");
            ZeekAscii.jsonString(sb, s.firstUid());
            sb.append(",\"session_ts\":");
            ZeekAscii.seconds(sb, s.startNanos());
            sb.append(",\"session_parts\":").append(s.parts()).append(",\"session_reversed\":").append(s.reversed())
                    .append(",\"session_orig_pkts\":").append(s.origPackets())
                    .append(",\"session_orig_bytes\":").append(s.origBytes())
                    .append(",\"session_resp_pkts\":").append(s.respPackets())
                    .append(",\"session_resp_bytes\":").append(s.respBytes());
        }
        sb.append("}\n");
    }

    /**
     * Flushes buffered lines to the output.
     *
     * @throws IOException the first write failure, if any
     */
    @Override
    public void flush() throws IOException {
        if (thread != null) {
            thread.flush();
        } else {
            log.flush();
        }
    }

    /**
     * Writes the {@code #close} line (Zeek format), flushes and closes the output. Idempotent.
     *
     * @throws IOException the first write failure, if any
     */
    @Override
    public void close() throws IOException {
        if (thread == null) {
            log.close();
            return;
        }
        try {
            thread.close();
        } catch (IOException e) {
            try {
                log.close();
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
        log.close();
    }

    /** Configures a {@link ConnLogWriter}. */
    public static final class Builder {
        private final OutputStream out;
        private LogFormat format = LogFormat.ZEEK;
        private boolean flushEachRecord;
        private boolean progress;
        private boolean resumed;
        private boolean writerThread;

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
         * Flushes after every record, for live capture where a line should appear as soon as
         * its connection closes (default off: buffered).
         *
         * @param flush whether to flush per record
         * @return this
         */
        public Builder flushEachRecord(boolean flush) {
            this.flushEachRecord = flush;
            return this;
        }

        /**
         * Makes this a progress log, Zeek's {@code conn_long.log}: it writes the snapshots of
         * connections still open ({@link ConnectionListener#onConnectionProgress(Connection)})
         * with the same columns, under {@code #path conn_long}, and ignores closed records
         * (default off: a {@code conn.log} of closed records).
         *
         * @param progress whether to log progress snapshots instead of closed records
         * @return this
         */
        public Builder progressLog(boolean progress) {
            this.progress = progress;
            return this;
        }

        /**
         * Adds the {@link #RESUMED_FIELDS} after Zeek's columns (default off: Zeek's columns
         * only, byte for byte). A record that continues another (see
         * {@code FlowTracker.Builder.linkResumed}) fills them; other records leave them unset
         * ({@code -} in Zeek format, absent in JSON).
         *
         * @param resumed whether to add the resumed-connection columns
         * @return this
         */
        public Builder resumedColumns(boolean resumed) {
            this.resumed = resumed;
            return this;
        }

        /**
         * Formats and writes the records on a thread of the writer's own (default off: on the
         * thread that delivers them). The tracker's thread then only hands each record over, so
         * formatting and output overlap with tracking on another core. At most 4,096 records
         * wait; when they do, the tracker's thread waits for the writer. {@link #flushEachRecord}
         * still holds (each record wakes the writer thread). {@link ConnLogWriter#flush()} and
         * {@link ConnLogWriter#close()} wait for every record handed over; close the writer, or
         * records still waiting are lost when the process exits.
         *
         * @param on whether to write on a thread of the writer's own
         * @return this
         */
        public Builder writerThread(boolean on) {
            this.writerThread = on;
            return this;
        }

        /**
         * Builds the writer; in Zeek format it writes the header at once; with
         * {@link #writerThread(boolean)} it starts the thread.
         *
         * @return the writer
         */
        public ConnLogWriter build() {
            return new ConnLogWriter(this);
        }
    }
}
