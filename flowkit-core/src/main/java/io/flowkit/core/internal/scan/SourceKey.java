package io.flowkit.core.internal.scan;

import it.unimi.dsi.fastutil.HashCommon;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Key of a scanning source's state: its 128-bit address and the transport it scans with.
 *
 * <p>One instance per detector is a mutable probe, refilled for each lookup so that finding a
 * known source allocates nothing; every key stored in the cache is a fresh instance that is
 * never mutated. The hash mixes in a per-process random seed so that spoofed addresses cannot
 * be chosen to collide.
 */
final class SourceKey {
    private static final long SEED = ThreadLocalRandom.current().nextLong() | 1;

    long hi;
    long lo;
    int proto;

    SourceKey() {
    }

    SourceKey(long hi, long lo, int proto) {
        this.hi = hi;
        this.lo = lo;
        this.proto = proto;
    }

    SourceKey set(long h, long l, int p) {
        hi = h;
        lo = l;
        proto = p;
        return this;
    }

    @Override
    public int hashCode() {
        return (int) HashCommon.mix((hi * SEED) ^ HashCommon.mix(lo + SEED) ^ proto);
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof SourceKey)) {
            return false;
        }
        SourceKey k = (SourceKey) o;
        return k.lo == lo && k.hi == hi && k.proto == proto;
    }
}
