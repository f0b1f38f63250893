package io.flowkit.pcap;

import io.flowkit.FrameHandler;
import io.flowkit.PacketSource;
import io.flowkit.SourceStats;
import io.flowkit.pcap.internal.LinkTypes;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.sql.Timestamp;
import java.time.Duration;
import java.util.Objects;
import org.pcap4j.core.NotOpenException;
import org.pcap4j.core.PcapHandle;
import org.pcap4j.core.PcapNativeException;
import org.pcap4j.core.PcapNetworkInterface.PromiscuousMode;
import org.pcap4j.core.PcapStat;

/**
 * Live capture from a network interface through libpcap (via pcap4j), as a {@link PacketSource}.
 *
 * <pre>{@code
 * try (PcapLive live = PcapLive.builder("eth0").filter("tcp or udp").build()) {
 *     Runtime.getRuntime().addShutdownHook(new Thread(live::stop));
 *     while (live.poll(tracker, 256) != PacketSource.END_OF_INPUT) {
 *     }
 * }
 * }</pre>
 *
 * <h2>Behaviour</h2>
 * The handle runs in non-blocking mode: {@link #poll(FrameHandler, int)} takes what libpcap has
 * (up to {@code maxFrames}) and returns. When nothing has arrived it waits up to 10 ms (or the
 * read timeout, if shorter), calls {@link FrameHandler#advanceTime(long)} with the wall clock so
 * that idle connections still expire, and returns 0. A blocking libpcap read was not used because
 * it does not return on its timeout on every platform (on Linux {@code lo}, a filtered blocking
 * read never returned while nothing matched), which would make stopping unreliable.
 *
 * <p>Frames carry libpcap's timestamps (nanosecond precision where the platform offers it,
 * microseconds otherwise) and the link type of the interface, translated from the platform's
 * {@code DLT_} value into a {@code LINKTYPE_} value (for example DLT_RAW, 12 or 14, becomes 101).
 * {@link #stats()} reports the kernel's drop count ({@code pcap_stats}: packets dropped for lack of
 * buffer space plus those the interface dropped) in {@link SourceStats#kernelDrops()}.
 *
 * <h2>Threading</h2>
 * One thread polls. {@link #stop()} and {@link #close()} may be called from any other thread: a
 * poll in progress then returns within about 10 ms, and every later poll returns
 * {@link PacketSource#END_OF_INPUT}. Interrupting the polling thread while it waits stops the
 * source the same way (the interrupt flag stays set).
 *
 * <h2>Caveats</h2>
 * pcap4j copies each packet into a new array and a new timestamp object, so unlike
 * {@link PcapFile} live capture allocates per frame; the frame is then copied into one reusable
 * buffer handed to the handler (read-only, as {@link PcapFile}'s are). Opening an interface needs
 * capture permission ({@code root} or {@code CAP_NET_RAW}) and libpcap installed;
 * {@link Builder#build()} reports both as an {@link IOException} whose message names the
 * interface.
 */
public final class PcapLive implements PacketSource {
    private static final long MAX_IDLE_WAIT_NANOS = 10_000_000L;

    private final String interfaceName;
    private final PcapHandle handle;
    private final int linkType;
    private final long idleWaitNanos;
    private final ByteBuffer frame;
    /**
     * {@link #frame} as handlers get it: read-only, the buffer class of a mapped capture file, so
     * a decoder that also reads files sees one buffer class.
     */
    private final ByteBuffer frameView;
    private final Object lock = new Object();

    private volatile boolean stopped;
    private boolean closed;
    private long frames;
    private long bytes;
    private long truncated;
    private long skipped;
    private long kernelDrops;

    private PcapLive(Builder b, PcapHandle handle) throws PcapNativeException, NotOpenException {
        this.interfaceName = b.interfaceName;
        this.handle = handle;
        this.linkType = LinkTypes.fromDlt(handle.getDlt().value());
        this.idleWaitNanos = Math.min(MAX_IDLE_WAIT_NANOS, b.readTimeout.toNanos());
        this.frame = ByteBuffer.allocateDirect(b.snapLength);
        this.frameView = frame.asReadOnlyBuffer();
    }

    /**
     * Starts configuring a capture on an interface.
     *
     * @param interfaceName the interface's name as libpcap knows it, such as {@code eth0} or
     *                      {@code lo}
     * @return a builder with defaults: snapshot length 262144, promiscuous mode on, no filter,
     *         libpcap's default buffer size, read timeout 100 ms
     */
    public static Builder builder(String interfaceName) {
        return new Builder(interfaceName);
    }

    /**
     * Delivers the frames that have arrived, up to {@code maxFrames}; waits briefly and advances
     * the handler's clock when none have.
     *
     * @param handler   receives the frames and, when idle, the wall-clock time
     * @param maxFrames the most frames to deliver, at least 1
     * @return the number of frames delivered, 0 if none arrived, or
     *         {@link PacketSource#END_OF_INPUT} after {@link #stop()} or {@link #close()}
     * @throws IOException if libpcap reports an error
     */
    @Override
    public int poll(FrameHandler handler, int maxFrames) throws IOException {
        if (maxFrames < 1) {
            throw new IllegalArgumentException("maxFrames must be at least 1, got " + maxFrames);
        }
        synchronized (lock) {
            if (stopped || closed) {
                return END_OF_INPUT;
            }
            int delivered = 0;
            try {
                while (delivered < maxFrames) {
                    byte[] raw = handle.getNextRawPacket();
                    if (raw == null) {
                        break;
                    }
                    deliver(handler, raw);
                    delivered++;
                }
                if (delivered > 0) {
                    return delivered;
                }
                long waitMillis = idleWaitNanos / 1_000_000L;
                lock.wait(waitMillis, (int) (idleWaitNanos % 1_000_000L));
            } catch (NotOpenException e) {
                return delivered > 0 ? delivered : END_OF_INPUT;
            } catch (InterruptedException e) {
                stopped = true;
                Thread.currentThread().interrupt();
                return END_OF_INPUT;
            }
            if (stopped || closed) {
                return END_OF_INPUT;
            }
            handler.advanceTime(System.currentTimeMillis() * 1_000_000L);
            return 0;
        }
    }

    private void deliver(FrameHandler handler, byte[] raw) {
        if (raw.length > frame.capacity()) {
            skipped++;
            return;
        }
        Timestamp ts = handle.getTimestamp();
        long nanos = Math.floorDiv(ts.getTime(), 1000L) * 1_000_000_000L + ts.getNanos();
        Integer original = handle.getOriginalLength();
        int wire = original == null ? raw.length : Math.max(original, raw.length);
        frame.put(0, raw);
        frames++;
        bytes += raw.length;
        if (raw.length < wire) {
            truncated++;
        }
        handler.onFrame(nanos, linkType, frameView, 0, raw.length, wire);
    }

    /**
     * Makes a poll in progress return promptly and every later poll return
     * {@link PacketSource#END_OF_INPUT}; the interface stays open until {@link #close()}. Safe
     * to call from any thread, any number of times.
     */
    public void stop() {
        stopped = true;
        synchronized (lock) {
            lock.notifyAll();
        }
    }

    /**
     * Returns the interface name.
     *
     * @return the name given to {@link #builder(String)}
     */
    @Override
    public String name() {
        return interfaceName;
    }

    /**
     * Returns the counters, with the kernel's drop count read from libpcap now (or, after
     * {@link #close()}, as read when closing).
     *
     * @return a snapshot of the counters
     */
    @Override
    public SourceStats stats() {
        synchronized (lock) {
            refreshDrops();
            return new SourceStats(frames, bytes, truncated, skipped, kernelDrops);
        }
    }

    private void refreshDrops() {
        if (closed) {
            return;
        }
        try {
            PcapStat s = handle.getStats();
            kernelDrops = s.getNumPacketsDropped() + s.getNumPacketsDroppedByIf();
        } catch (PcapNativeException | NotOpenException e) {
            // the last value read stays; a handle that cannot report drops has none to report
        }
    }

    /**
     * Stops capturing and releases the interface. Safe to call from any thread; a poll in
     * progress returns first.
     */
    @Override
    public void close() {
        stop();
        synchronized (lock) {
            if (!closed) {
                refreshDrops();
                closed = true;
                handle.close();
            }
        }
    }

    /**
     * Configures and opens a {@link PcapLive}. Options are validated when set; each may be set
     * any number of times, the last value wins. Not thread-safe; build on one thread.
     */
    public static final class Builder {
        private final String interfaceName;
        private int snapLength = 262_144;
        private boolean promiscuous = true;
        private String filter;
        private int bufferSize;
        private Duration readTimeout = Duration.ofMillis(100);

        private Builder(String interfaceName) {
            this.interfaceName = Objects.requireNonNull(interfaceName, "interfaceName");
            if (interfaceName.isEmpty()) {
                throw new IllegalArgumentException("interfaceName must not be empty");
            }
        }

        /**
         * Sets the snapshot length: the most bytes kept of each frame.
         *
         * @param bytes 1 to 262144
         * @return this builder
         * @throws IllegalArgumentException if out of range
         */
        public Builder snapLength(int bytes) {
            if (bytes < 1 || bytes > 262_144) {
                throw new IllegalArgumentException("snapLength must be 1..262144, got " + bytes);
            }
            this.snapLength = bytes;
            return this;
        }

        /**
         * Sets whether the interface captures traffic not addressed to this host.
         *
         * @param on true for promiscuous mode (the default)
         * @return this builder
         */
        public Builder promiscuous(boolean on) {
            this.promiscuous = on;
            return this;
        }

        /**
         * Sets a BPF filter in tcpdump's expression syntax; only matching frames are captured.
         * The expression is compiled by {@link #build()}.
         *
         * @param expression a filter such as {@code "tcp or udp"}
         * @return this builder
         * @throws IllegalArgumentException if the expression is blank
         */
        public Builder filter(String expression) {
            Objects.requireNonNull(expression, "expression");
            if (expression.isBlank()) {
                throw new IllegalArgumentException("filter must not be blank");
            }
            this.filter = expression;
            return this;
        }

        /**
         * Sets the kernel capture buffer size; a larger buffer drops less under bursts.
         *
         * @param bytes a positive size in bytes
         * @return this builder
         * @throws IllegalArgumentException if not positive
         */
        public Builder bufferSize(int bytes) {
            if (bytes <= 0) {
                throw new IllegalArgumentException("bufferSize must be positive, got " + bytes);
            }
            this.bufferSize = bytes;
            return this;
        }

        /**
         * Sets libpcap's read timeout: how long the kernel may hold packets to deliver them in
         * batches. It also caps how long an idle poll waits (at most 10 ms either way).
         *
         * @param timeout 1 ms to 1 hour
         * @return this builder
         * @throws IllegalArgumentException if out of range
         */
        public Builder readTimeout(Duration timeout) {
            Objects.requireNonNull(timeout, "timeout");
            if (timeout.toMillis() < 1 || timeout.compareTo(Duration.ofHours(1)) > 0) {
                throw new IllegalArgumentException("readTimeout must be 1 ms..1 h, got " + timeout);
            }
            this.readTimeout = timeout;
            return this;
        }

        /**
         * Opens the interface, applies the filter and starts capturing.
         *
         * @return the open source; the caller closes it
         * @throws IOException if libpcap is missing, the interface does not exist, capture is not
         *                     permitted, or the filter does not compile; the message says which
         */
        public PcapLive build() throws IOException {
            PcapHandle handle;
            try {
                handle = open(PcapHandle.TimestampPrecision.NANO);
            } catch (PcapNativeException e) {
                try {
                    handle = open(PcapHandle.TimestampPrecision.MICRO);
                } catch (PcapNativeException again) {
                    throw new IOException("cannot capture on " + interfaceName + ": " + again.getMessage(), again);
                }
            } catch (UnsatisfiedLinkError | NoClassDefFoundError e) {
                throw new IOException("cannot capture on " + interfaceName + ": libpcap is not available ("
                        + e.getMessage() + ")", e);
            }
            try {
                handle.setBlockingMode(PcapHandle.BlockingMode.NONBLOCKING);
                if (filter != null) {
                    handle.setFilter(filter, org.pcap4j.core.BpfProgram.BpfCompileMode.OPTIMIZE);
                }
                return new PcapLive(this, handle);
            } catch (PcapNativeException | NotOpenException e) {
                handle.close();
                throw new IOException("cannot capture on " + interfaceName
                        + (filter != null ? " with filter \"" + filter + "\"" : "") + ": " + e.getMessage(), e);
            }
        }

        private PcapHandle open(PcapHandle.TimestampPrecision precision) throws PcapNativeException {
            PcapHandle.Builder b = new PcapHandle.Builder(interfaceName)
                    .snaplen(snapLength)
                    .promiscuousMode(promiscuous ? PromiscuousMode.PROMISCUOUS : PromiscuousMode.NONPROMISCUOUS)
                    .timeoutMillis((int) readTimeout.toMillis())
                    .timestampPrecision(precision);
            if (bufferSize > 0) {
                b.bufferSize(bufferSize);
            }
            return b.build();
        }
    }
}
