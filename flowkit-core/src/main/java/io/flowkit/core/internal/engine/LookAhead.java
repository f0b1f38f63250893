package io.flowkit.core.internal.engine;

import io.flowkit.core.internal.decode.KeyPeek;
import java.nio.ByteBuffer;

/**
 * Loads the connection state of a run of frames before they are processed, so that their cache
 * misses overlap instead of queueing one after another.
 *
 * <p><b>Why.</b> With a million connections open, consecutive packets belong to unrelated
 * connections, and a packet's state is a chain of dependent cache (and TLB) misses: the index
 * entry gives the slot and the slot's row gives the TCP row. Processed one frame after another, each miss waits for the
 * one before it, and the next frame's misses start only when the frame before is done: the
 * memory system serves one request at a time while it could serve ten or more.
 *
 * <p><b>Idea</b> (group prefetching, Chen, Ailamaki, Gibbons and Mowry, "Improving Hash Join
 * Performance through Prefetching", ICDE 2004, with loads in place of the prefetch instruction
 * Java lacks): read the keys
 * of up to {@value #MAX_FRAMES} frames ({@link KeyPeek}), hash them, then load the first link of
 * every chain for all of them, then the second link for all of them, and so on
 * ({@link Engine#lookAhead}). The loads of one step do not depend on each other, so the processor
 * issues them together; each value read is summed into a field so that the compiler keeps the
 * load. Then the frames are processed in order, exactly as one at a time, and find their state
 * in the cache.
 *
 * <p><b>Invariant.</b> Nothing here changes any state: a key that is wrong (a frame the decoder
 * will skip, a tunnel, a tag shared by another key) only costs a useless load, and processing
 * is the same with or without the look-ahead. Hashes are computed and used with no processing
 * in between, so the table cannot grow under them.
 *
 * <p><b>Cost.</b> Reading the key of a frame and hashing it, about the cost of the first steps
 * of a lookup, paid again when the frame is processed; nothing allocated. It pays only when the
 * state does not fit in the caches, which is why callers use it only with many connections open.
 */
final class LookAhead {
    /** The most frames looked ahead at once. */
    static final int MAX_FRAMES = 32;

    private final Engine engine;
    private final KeyPeek key = new KeyPeek();
    private final long[] hashes = new long[MAX_FRAMES];
    private final int[] slots = new int[MAX_FRAMES];
    private int count;

    LookAhead(Engine engine) {
        this.engine = engine;
    }

    /**
     * Adds a frame to look ahead for, if its key can be read and there is room.
     *
     * @param linkType      the frame's {@code LINKTYPE_} value
     * @param buf           the buffer holding the frame
     * @param offset        index of the frame's first byte
     * @param captureLength captured bytes
     */
    void add(int linkType, ByteBuffer buf, int offset, int captureLength) {
        if (count < MAX_FRAMES && key.read(linkType, buf, offset, captureLength)) {
            hashes[count++] = engine.keyHash(key);
        }
    }

    /** Loads the state of the frames added since the last call, then forgets them. */
    void load() {
        engine.lookAhead(hashes, slots, count);
        count = 0;
    }
}
