package io.flowkit.core.internal.log;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * A thread that formats and writes a log's records, fed by the one thread that produces them.
 *
 * <p><b>Caveats first.</b> One producer thread at a time ({@link #put}, {@link #flush},
 * {@link #close} are not thread-safe among themselves); records must be immutable, since they
 * are read on another thread after {@link #put} returns. The thread is a daemon: records not
 * yet written are lost if the process exits without {@link #close}, as buffered lines of a
 * writer that was never closed are.
 *
 * <p><b>Idea.</b> A bounded single-producer single-consumer ring of references ({@value #CAPACITY}
 * slots). The producer stores the record in the slot and publishes the new tail with a release
 * store; the consumer reads the tail with an acquire load, writes every record up to it and
 * publishes its head the same way, so no lock is taken per record. When the ring is empty the
 * consumer parks; the producer wakes it only once {@value #WAKE_BATCH} records are waiting (or
 * for every record with {@code wakeEach}), so that a record costs a slot store, not a system
 * call, and the consumer works in bursts. When the ring is full the producer waits: that is the
 * back-pressure, so memory stays bounded whatever the output's speed.
 *
 * <p><b>Invariant.</b> Records are written in the order they were put, each exactly once;
 * {@link #flush} returns after every record put before it has been written and the output
 * flushed; {@link #close} returns after every record put has been written and the thread has
 * ended, so the caller may then use the target alone. A wake-up may be missed only while fewer
 * than a batch of records wait (the consumer parks with a time-out then), and flush, close and a
 * full ring always wake the consumer.
 *
 * <p><b>Cost.</b> Per record a few plain and one release store on the producer's side; the
 * formatting and the output's system calls move to the consumer's core. Memory: the ring's
 * references plus the records waiting in it, at most {@value #CAPACITY}.
 */
public final class WriterThread {
    /** Ring slots; a power of two. */
    static final int CAPACITY = 4096;
    /** Records waiting before the producer wakes a parked consumer. */
    static final int WAKE_BATCH = 256;
    private static final int MASK = CAPACITY - 1;
    /** How long an idle consumer parks before it looks again, in case a wake-up was missed. */
    private static final long IDLE_PARK_NANOS = 50_000_000L;

    /** What the thread writes to; called on the thread only. */
    public interface Target {
        /**
         * Writes one record.
         *
         * @param record a record given to {@link #put}
         */
        void write(Object record);

        /**
         * Flushes what was written.
         *
         * @throws IOException if the output failed
         */
        void flush() throws IOException;
    }

    /** A flush or close asked of the thread, answered when done. */
    private static final class Request {
        final boolean close;
        final Thread waiter;
        volatile boolean done;
        IOException failure;

        Request(boolean close, Thread waiter) {
            this.close = close;
            this.waiter = waiter;
        }
    }

    private final Object[] ring = new Object[CAPACITY];
    private final AtomicLong head = new AtomicLong();
    private final AtomicLong tail = new AtomicLong();
    private final Target target;
    private final int wakeBatch;
    private final Thread thread;
    /** The producer's copies: its next slot, the last head it read, the tail at its last wake-up. */
    private long next;
    private long headSeen;
    private long wokenAt;
    private volatile boolean parked;
    /** The first exception a write threw on the thread; later records are still written. */
    private volatile RuntimeException writeFailure;
    private boolean closed;

    /**
     * Starts the thread.
     *
     * @param name     the thread's name
     * @param target   what it writes to
     * @param wakeEach whether every record wakes the thread at once (live output) instead of a batch
     */
    public WriterThread(String name, Target target, boolean wakeEach) {
        this.target = target;
        this.wakeBatch = wakeEach ? 1 : WAKE_BATCH;
        this.thread = new Thread(this::run, name);
        thread.setDaemon(true);
        thread.start();
    }

    /**
     * Hands a record to the thread, waiting while the ring is full.
     *
     * @param record an immutable record
     * @throws IllegalStateException if the thread has ended (after {@link #close}, or if it died)
     */
    public void put(Object record) {
        if (closed) {
            throw new IllegalStateException("the writer thread is closed");
        }
        enqueue(record);
    }

    private void enqueue(Object o) {
        long t = next;
        if (t - headSeen >= CAPACITY) {
            headSeen = head.get();
            while (t - headSeen >= CAPACITY) {
                if (!thread.isAlive()) {
                    throw new IllegalStateException("the writer thread died", writeFailure);
                }
                wake();
                LockSupport.parkNanos(this, 20_000L);
                headSeen = head.get();
            }
        }
        ring[(int) t & MASK] = o;
        tail.lazySet(t + 1);
        next = t + 1;
        if (parked && next - wokenAt >= wakeBatch) {
            wake();
        }
    }

    private void wake() {
        wokenAt = next;
        LockSupport.unpark(thread);
    }

    /**
     * Waits until every record put so far is written, then flushes the output on the thread.
     *
     * @throws IOException the output's failure, or a write's unexpected exception as its cause
     */
    public void flush() throws IOException {
        if (closed) {
            return;
        }
        ask(new Request(false, Thread.currentThread()));
    }

    /**
     * Waits until every record put is written and ends the thread. Idempotent. The output is not
     * flushed or closed: the caller owns it again.
     *
     * @throws IOException a write's unexpected exception as its cause, if one was thrown
     */
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        try {
            ask(new Request(true, Thread.currentThread()));
        } finally {
            boolean interrupted = false;
            while (thread.isAlive()) {
                try {
                    thread.join();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void ask(Request r) throws IOException {
        enqueue(r);
        wake();
        while (!r.done) {
            // the thread sets done before it ends, and its end makes that visible here: read
            // done again, or a thread that answered and ended between the two reads would be
            // taken for one that died
            if (!thread.isAlive() && !r.done) {
                throw new IOException("the writer thread died", writeFailure);
            }
            LockSupport.parkNanos(this, 1_000_000L);
        }
        if (r.failure != null) {
            throw r.failure;
        }
        RuntimeException f = writeFailure;
        if (f != null) {
            throw new IOException("writing a record failed: " + f, f);
        }
    }

    private void run() {
        long h = 0;
        while (true) {
            long t = tail.get();
            if (h == t) {
                parked = true;
                if (tail.get() == h) {
                    LockSupport.parkNanos(this, IDLE_PARK_NANOS);
                }
                parked = false;
                continue;
            }
            for (; h < t; h++) {
                int i = (int) h & MASK;
                Object o = ring[i];
                ring[i] = null;
                if (o instanceof Request) {
                    Request r = (Request) o;
                    head.lazySet(h + 1);
                    answer(r);
                    if (r.close) {
                        return;
                    }
                    continue;
                }
                try {
                    target.write(o);
                } catch (RuntimeException e) {
                    if (writeFailure == null) {
                        writeFailure = e;
                    }
                }
                if ((h & 63) == 63) {
                    head.lazySet(h + 1);
                }
            }
            head.lazySet(h);
        }
    }

    private void answer(Request r) {
        if (!r.close) {
            try {
                target.flush();
            } catch (IOException e) {
                r.failure = e;
            }
        }
        r.done = true;
        LockSupport.unpark(r.waiter);
    }
}
