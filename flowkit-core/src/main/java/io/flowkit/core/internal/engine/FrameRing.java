package io.flowkit.core.internal.engine;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.locks.LockSupport;

/**
 * A bounded single-producer, single-consumer queue of captured frames, from the thread that reads
 * a capture to one engine thread that decodes and tracks them.
 *
 * <p><b>Caveats first.</b> One producer thread, one consumer thread. A frame is published only
 * by {@link #publish()}: the producer batches, so a frame offered and never published is never
 * seen. A frame longer than the data area travels by reference ({@link #EXTERNAL}) and the
 * producer must wait until {@link #consumed} says the consumer is done with it before its buffer
 * may change.
 *
 * <p><b>Idea.</b> The producer copies each frame's bytes into a direct buffer used as a circular
 * data area, and its timestamp, link type, position and lengths into a slot of a {@code long[]}
 * (four words per slot: struct of arrays, no objects). A frame is kept contiguous: one that
 * would cross the end of the data area starts again at its beginning, and the bytes skipped stay
 * counted as used until the slot before them is released. The consumer decodes straight from the
 * data area, through a read-only view: the class of the read-only mappings through which a
 * capture file is read single-threaded, so the decoder's compiled code sees one buffer class, not
 * two (a second one turns every buffer read into a type check and, when it first shows up, makes
 * C2 discard its code; {@code flowkit analyze --threads 2} on a 3-million-packet capture took 5%
 * longer with the writable buffer). Besides frames, a slot can carry
 * "advance time to t" and "end of input at t".
 *
 * <p><b>Invariant.</b> {@code head <= published <= tail <= head + capacity}, and the data of the
 * slots in {@code [head, tail)} lies in {@code [start(head), dataTail)}, at most the data area's
 * length. Only the producer writes {@code tail}, {@code dataTail} and the slots from
 * {@code published} on; only the consumer writes {@code head} and reads the slots in
 * {@code [head, published)}. The producer fills slots and bytes, then makes them visible with one
 * store of {@code published} per batch; the consumer loads it with acquire before reading
 * them, and hands slots back with a store of {@code head} once decoded (the Lamport queue,
 * as in Agrona's {@code OneToOneRingBuffer} and the LMAX Disruptor). Each side caches the other's
 * counter and reloads it only when the cache says full (or empty). The producer's counters, the
 * published counter, the consumer's counters and {@code head} sit on four cache lines (HotSpot lays
 * out {@code long} fields first, in declaration order, so the unused padding longs between them
 * keep them 64 bytes apart), so neither side's per-frame stores invalidate the line the other
 * polls; the thread and parked fields, written only when a side parks, come after them.
 *
 * <p><b>Waiting.</b> A side that finds nothing to do parks instead of spinning, so that on a
 * machine with fewer cores than threads the core goes to a thread with work: the consumer in
 * {@link #awaitSlots} until a run of slots worth a wake-up is published (or its park times out,
 * which bounds the delay of a trickle of frames), the producer in {@link #awaitRoom} until the
 * consumer has freed half the ring. Waking for one slot or one free slot instead would cost a
 * park and an unpark, several microseconds, per batch whenever one side is the faster. Each side announces that it parks with a volatile store and then re-reads the
 * other's counter with a volatile load, and each side stores its counter with a volatile store
 * before it reads the other's announcement (Dekker's handshake), so no wake-up is lost; both
 * parks are also bounded in time.
 *
 * <p><b>Cost.</b> Per frame: one bounds check, one bulk copy of the captured bytes, four stores;
 * per published batch one volatile store and one load (and an unpark when the consumer sleeps);
 * per released batch the same. No allocation, no lock.
 */
final class FrameRing {
    /** A slot holding a frame in the data area. */
    static final int FRAME = 0;
    /** A slot saying network time has reached its time. */
    static final int ADVANCE = 1;
    /** A slot saying the input ended at its time. */
    static final int END = 2;
    /** A slot holding a frame too large for the data area, by reference to the producer's buffer. */
    static final int EXTERNAL = 3;

    private static final int WORDS = 4;
    private static final VarHandle HEAD;
    private static final VarHandle PUBLISHED;
    private static final VarHandle PRODUCER_WAITS_FOR;
    private static final VarHandle CONSUMER_WAITS_FOR;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            HEAD = l.findVarHandle(FrameRing.class, "head", long.class);
            PUBLISHED = l.findVarHandle(FrameRing.class, "published", long.class);
            PRODUCER_WAITS_FOR = l.findVarHandle(FrameRing.class, "producerWaitsFor", long.class);
            CONSUMER_WAITS_FOR = l.findVarHandle(FrameRing.class, "consumerWaitsFor", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    @SuppressWarnings("unused")
    private long p00, p01, p02, p03, p04, p05, p06, p07;
    // producer only
    private long tail;
    private long dataTail;
    private long headCache;
    private long publishedLocal;
    @SuppressWarnings("unused")
    private long p10, p11, p12, p13, p14, p15, p16, p17;
    // written by the producer, read by the consumer
    private long published;
    /** The head the parked producer waits for, or -1. */
    private long producerWaitsFor = -1;
    private Thread producer;
    @SuppressWarnings("unused")
    private long p20, p21, p22, p23, p24, p25, p26, p27;
    // consumer only
    private long next;
    private long publishedCache;
    @SuppressWarnings("unused")
    private long p30, p31, p32, p33, p34, p35, p36, p37;
    // written by the consumer, read by the producer
    private long head;
    /** The published count the parked consumer waits for, or {@link Long#MAX_VALUE}. */
    private long consumerWaitsFor = Long.MAX_VALUE;
    private Thread consumer;
    @SuppressWarnings("unused")
    private long p40, p41, p42, p43, p44, p45, p46, p47;

    /** Per slot: time; kind and link type; data offset and captured length; wire length. */
    private final long[] meta;
    /** Per slot, producer only: where its data starts, as a position that only grows. */
    private final long[] start;
    /** Per {@link #EXTERNAL} slot: the producer's buffer. */
    private final ByteBuffer[] external;
    private final ByteBuffer data;
    /**
     * {@link #data} as consumers read it: a read-only view, the class of the read-only mappings a
     * capture file is read through, so the decoder's buffer reads stay monomorphic.
     */
    private final ByteBuffer view;
    private final int dataCapacity;
    private final int mask;

    /**
     * Creates a ring.
     *
     * @param slots     frames and marks it holds at once, a power of two
     * @param dataBytes bytes of frames it holds at once, a power of two
     */
    FrameRing(int slots, int dataBytes) {
        if (Integer.bitCount(slots) != 1) {
            throw new IllegalArgumentException("slots must be a power of two: " + slots);
        }
        if (Integer.bitCount(dataBytes) != 1) {
            throw new IllegalArgumentException("dataBytes must be a power of two: " + dataBytes);
        }
        meta = new long[slots * WORDS];
        start = new long[slots];
        external = new ByteBuffer[slots];
        data = ByteBuffer.allocateDirect(dataBytes).order(ByteOrder.BIG_ENDIAN);
        view = data.asReadOnlyBuffer().order(ByteOrder.BIG_ENDIAN);
        dataCapacity = dataBytes;
        mask = slots - 1;
    }

    // ------------------------------------------------------------------ producer

    /**
     * Copies a frame into the ring if there is room for its slot and its bytes.
     *
     * @param ts       network time of the frame
     * @param linkType its link type
     * @param buf      the buffer holding it
     * @param off      index of its first byte in {@code buf}
     * @param caplen   bytes to copy, at most {@link #dataCapacity()}
     * @param wirelen  its length on the wire
     * @return {@code false} if the ring is full: nothing was copied
     */
    boolean offerFrame(long ts, int linkType, ByteBuffer buf, int off, int caplen, int wirelen) {
        long t = tail;
        long pos = dataTail;
        int cap = dataCapacity;
        int at = (int) pos & (cap - 1);
        if (caplen > cap - at) {
            pos += cap - at;
            at = 0;
        }
        if (t - headCache > mask || pos + caplen - oldestStart(t, pos) > cap) {
            headCache = (long) HEAD.getAcquire(this);
            if (t - headCache > mask || pos + caplen - oldestStart(t, pos) > cap) {
                return false;
            }
        }
        data.put(at, buf, off, caplen);
        int i = (int) t & mask;
        start[i] = pos;
        int w = i * WORDS;
        meta[w] = ts;
        meta[w + 1] = (long) FRAME << 32 | (linkType & 0xFFFF_FFFFL);
        meta[w + 2] = (long) at << 32 | (caplen & 0xFFFF_FFFFL);
        meta[w + 3] = wirelen;
        dataTail = pos + caplen;
        tail = t + 1;
        return true;
    }

    /** Where the oldest unreleased slot's data starts, by the cached head; {@code pos} if none. */
    private long oldestStart(long t, long pos) {
        return headCache == t ? pos : start[(int) headCache & mask];
    }

    /**
     * Adds a frame that does not fit the data area, by reference, if a slot is free. The caller
     * publishes it and keeps {@code buf} unchanged until {@link #consumed} says so.
     *
     * @return the frame's sequence number, or -1 if no slot is free
     */
    long offerExternal(long ts, int linkType, ByteBuffer buf, int off, int caplen, int wirelen) {
        if (!hasSlot()) {
            return -1;
        }
        long t = tail;
        int i = (int) t & mask;
        start[i] = dataTail;
        external[i] = buf;
        int w = i * WORDS;
        meta[w] = ts;
        meta[w + 1] = (long) EXTERNAL << 32 | (linkType & 0xFFFF_FFFFL);
        meta[w + 2] = (long) off << 32 | (caplen & 0xFFFF_FFFFL);
        meta[w + 3] = wirelen;
        tail = t + 1;
        return t;
    }

    /**
     * Returns whether the consumer has released slot {@code seq}; for an {@link #EXTERNAL} slot
     * the ring then forgets the producer's buffer.
     *
     * @param seq a sequence number from {@link #offerExternal}
     * @return {@code true} once the consumer is done with it
     */
    boolean consumed(long seq) {
        headCache = (long) HEAD.getAcquire(this);
        if (headCache > seq) {
            external[(int) seq & mask] = null;
            return true;
        }
        return false;
    }

    /**
     * Adds an {@link #ADVANCE} or {@link #END} mark if a slot is free.
     *
     * @return {@code false} if the ring is full
     */
    boolean offerTime(int kind, long ts) {
        if (!hasSlot()) {
            return false;
        }
        long t = tail;
        int i = (int) t & mask;
        start[i] = dataTail;
        int w = i * WORDS;
        meta[w] = ts;
        meta[w + 1] = (long) kind << 32;
        tail = t + 1;
        return true;
    }

    private boolean hasSlot() {
        if (tail - headCache <= mask) {
            return true;
        }
        headCache = (long) HEAD.getAcquire(this);
        return tail - headCache <= mask;
    }

    /**
     * Makes every slot added so far visible to the consumer, and wakes it if it is parked and
     * as many slots as it waits for are there.
     */
    void publish() {
        if (publishedLocal != tail) {
            publishedLocal = tail;
            // a volatile store then a volatile load: the consumer either sees the slots or is seen waiting
            PUBLISHED.setVolatile(this, tail);
            long want = (long) CONSUMER_WAITS_FOR.getVolatile(this);
            if (tail >= want) {
                wakeConsumer(want);
            }
        }
    }

    /** Publishes, and wakes the consumer if it is parked whatever it waits for. */
    void publishAndWake() {
        publish();
        long want = (long) CONSUMER_WAITS_FOR.getVolatile(this);
        if (want != Long.MAX_VALUE) {
            wakeConsumer(want);
        }
    }

    /** Unparks the consumer once per park: the first to clear its wish does it. */
    private void wakeConsumer(long want) {
        if (CONSUMER_WAITS_FOR.compareAndSet(this, want, Long.MAX_VALUE)) {
            LockSupport.unpark(consumer);
        }
    }

    /**
     * Parks the producer until the consumer has freed half the slots, at most {@code nanos}
     * (the producer wakes by itself to do other work, such as delivering the consumer's records).
     *
     * @param nanos the longest wait
     */
    void awaitRoom(long nanos) {
        long want = tail - (mask + 1) / 2;
        producer = Thread.currentThread();
        PRODUCER_WAITS_FOR.setVolatile(this, want);
        if ((long) HEAD.getVolatile(this) < want) {
            LockSupport.parkNanos(this, nanos);
        }
        PRODUCER_WAITS_FOR.setVolatile(this, -1L);
    }

    /** @return slots added since the last {@link #publish()} */
    int unpublished() {
        return (int) (tail - publishedLocal);
    }

    /** @return the most bytes {@link #offerFrame} takes in one frame */
    int dataCapacity() {
        return dataCapacity;
    }

    // ------------------------------------------------------------------ consumer

    /**
     * Returns how many published slots are ready to read, starting at {@link #first()}.
     *
     * @return published and unread slots
     */
    int available() {
        if (publishedCache == next) {
            publishedCache = (long) PUBLISHED.getAcquire(this);
        }
        return (int) (publishedCache - next);
    }

    /** @return the sequence number of the oldest unread slot */
    long first() {
        return next;
    }

    /** @return the kind of slot {@code seq} */
    int kind(long seq) {
        return (int) (meta[((int) seq & mask) * WORDS + 1] >>> 32);
    }

    /** @return the network time of slot {@code seq} */
    long time(long seq) {
        return meta[((int) seq & mask) * WORDS];
    }

    /** @return the link type of frame slot {@code seq} */
    int linkType(long seq) {
        return (int) meta[((int) seq & mask) * WORDS + 1];
    }

    /** @return the buffer holding frame slot {@code seq}: the data area, or the producer's */
    ByteBuffer buffer(long seq) {
        return kind(seq) == EXTERNAL ? external[(int) seq & mask] : view;
    }

    /** @return the index in {@link #buffer} of frame slot {@code seq}'s first byte */
    int offset(long seq) {
        return (int) (meta[((int) seq & mask) * WORDS + 2] >>> 32);
    }

    /** @return the captured length of frame slot {@code seq} */
    int captureLength(long seq) {
        return (int) meta[((int) seq & mask) * WORDS + 2];
    }

    /** @return the wire length of frame slot {@code seq} */
    int wireLength(long seq) {
        return (int) meta[((int) seq & mask) * WORDS + 3];
    }

    /**
     * Hands {@code count} read slots, and their bytes, back to the producer.
     *
     * @param count slots read since the last call, at most {@link #available()}
     */
    void release(int count) {
        next += count;
        // a volatile store then a volatile load: the producer either sees the room or is seen waiting
        HEAD.setVolatile(this, next);
        long want = (long) PRODUCER_WAITS_FOR.getVolatile(this);
        // cleared on waking, so that the releases before the producer runs again do not unpark it again
        if (want >= 0 && next >= want && PRODUCER_WAITS_FOR.compareAndSet(this, want, -1L)) {
            LockSupport.unpark(producer);
        }
    }

    /**
     * Parks the consumer, if nothing was published since it last looked, until {@code slots}
     * more slots are published (or {@link #publishAndWake}), at most {@code nanos}.
     *
     * @param slots how many slots are worth waking up for
     * @param nanos the longest wait
     */
    void awaitSlots(int slots, long nanos) {
        consumer = Thread.currentThread();
        CONSUMER_WAITS_FOR.setVolatile(this, next + slots);
        if ((long) PUBLISHED.getVolatile(this) == next) {
            LockSupport.parkNanos(this, nanos);
        }
        CONSUMER_WAITS_FOR.setVolatile(this, Long.MAX_VALUE);
    }
}
