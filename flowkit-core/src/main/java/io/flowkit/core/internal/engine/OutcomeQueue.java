package io.flowkit.core.internal.engine;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A bounded single-producer, single-consumer queue of objects: what one engine thread hands back
 * to the thread that calls the listeners (connection records, progress snapshots, ICMP
 * unreachables for scan detection). One entry per connection event, never per packet.
 *
 * <p>A Lamport queue: the producer stores the element, then
 * publishes it with a release store of {@code tail}; the consumer loads {@code tail} with acquire,
 * takes the element, clears the slot, and returns it with a release store of {@code head}.
 */
final class OutcomeQueue {
    private static final VarHandle HEAD;
    private static final VarHandle TAIL;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            HEAD = l.findVarHandle(OutcomeQueue.class, "head", long.class);
            TAIL = l.findVarHandle(OutcomeQueue.class, "tail", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final Object[] slots;
    private final int mask;
    private long tail;
    private long headCache;
    @SuppressWarnings("unused")
    private long p1, p2, p3, p4, p5, p6, p7, p8;
    private long head;
    private long tailCache;

    /**
     * Creates a queue.
     *
     * @param capacity entries, a power of two
     */
    OutcomeQueue(int capacity) {
        if (Integer.bitCount(capacity) != 1) {
            throw new IllegalArgumentException("capacity must be a power of two: " + capacity);
        }
        slots = new Object[capacity];
        mask = capacity - 1;
    }

    /**
     * Adds an element if there is room (producer only).
     *
     * @param e not null
     * @return {@code false} when full
     */
    boolean offer(Object e) {
        if (tail - headCache > mask) {
            headCache = (long) HEAD.getAcquire(this);
            if (tail - headCache > mask) {
                return false;
            }
        }
        slots[(int) tail & mask] = e;
        TAIL.setRelease(this, tail + 1);
        return true;
    }

    /**
     * Takes the oldest element (consumer only).
     *
     * @return the element, or {@code null} when empty
     */
    Object poll() {
        if (head == tailCache) {
            tailCache = (long) TAIL.getAcquire(this);
            if (head == tailCache) {
                return null;
            }
        }
        int i = (int) head & mask;
        Object e = slots[i];
        slots[i] = null;
        HEAD.setRelease(this, head + 1);
        return e;
    }
}
