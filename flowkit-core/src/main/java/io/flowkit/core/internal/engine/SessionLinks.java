package io.flowkit.core.internal.engine;

import io.flowkit.Connection;
import java.util.Arrays;

/**
 * Links a record to the expired record it continues, and keeps the logical session's running
 * totals ({@code FlowTracker.Builder.linkResumed}).
 *
 * <p><b>Idea.</b> When the engine removes a connection for inactivity (or evicts it), the
 * connection's canonical table key (protocol, both addresses and ports, endpoint {@code a} the
 * lower) is remembered here with the session's totals so far. When the engine creates a
 * connection whose first packet is not a TCP SYN, it looks the new key up; the table key is the
 * same whichever side sends first, so a continuation started by the old responder matches too.
 * A hit within the horizon is <em>claimed</em>: the entry leaves the lookup structures and is
 * attached to the new connection's slot until that connection is removed, when its totals are
 * folded in and it is remembered again (or freed, if the connection ended for good).
 *
 * <p><b>Decisions.</b> Remembered: records closed by {@code INACTIVITY_TIMEOUT} or
 * {@code EVICTED} (an eviction splits a live session as a timeout does), except unanswered TCP
 * attempts ({@code S0}), whose retry starts with a SYN and would only fill the store during a
 * scan. A SYN always opens a new session. The horizon is measured from the remembered record's
 * last packet to the continuation's first, so the decision depends on packet times alone and a
 * sharded tracker links exactly as one thread does. Totals are kept by key side, not by role,
 * and turned into the session's orientation (the first record's originator) when a record is
 * made: a continuation's originator may be the old responder.
 *
 * <p><b>TCP bytes across the split.</b> Per key side the entry keeps the sequence number one past
 * the last payload byte counted ({@code end}). A part whose side sent packets starts counting at
 * its first data sequence number {@code f} (Zeek's start sequence plus one, with or without SYN)
 * and reports Zeek's size {@code n}; it adds {@code n + (f - end)}, the difference taken modulo
 * 2<sup>32</sup> as TCP compares sequence numbers, or nothing if that is not positive. So data
 * retransmitted across the gap ({@code f < end}) is not counted twice, and a range sent in the gap
 * that no packet showed ({@code f > end}) is counted, exactly as one record spanning the session
 * would count it. A side with no packets in a part adds nothing and keeps its {@code end}.
 *
 * <p><b>Structures and bounds.</b> Entries live in a struct-of-arrays slab with a free list. The
 * remembered ones sit in an open-addressing index (linear probing, load at most 1/2, backward-shift
 * deletion) and in a doubly linked list in the order they were remembered. At {@code capacity}
 * remembered entries the head of that list, the one remembered longest ago, is dropped. Horizon
 * expiry pops the head while its last packet is older than the horizon; entries remembered in a
 * different order than their last packets (connections with longer timeouts) are caught at
 * lookup. Claimed entries are outside both structures and bounded by the live connections. The
 * slab starts at 256 entries and doubles (rehashing the index) when every entry is in use.
 *
 * <p><b>Cost.</b> Per packet: one comparison in {@link #advance}. Per new connection without SYN:
 * one hash of the key and about 1.5 probes; nothing is allocated on a hit or a miss (the slab
 * grows by doubling only when more entries are remembered or claimed than ever before). Per
 * entry: about 128 bytes of slab plus 8 of index; per connection slot: 4 bytes.
 */
final class SessionLinks {
    private static final int NONE = -1;
    private static final int KNOWN_A = 1;
    private static final int KNOWN_B = 2;
    private static final int ORIG_IS_B = 4;

    private final long horizon;
    private final int capacity;
    private final Uids uids;

    private int slab;
    private int[] proto;
    private long[] aHi;
    private long[] aLo;
    private long[] bHi;
    private long[] bLo;
    /** Endpoint a's port in the high 16 bits, b's in the low 16. */
    private int[] ports;
    /** Last packet of the remembered record. */
    private long[] lastSeen;
    /** Uid number of the remembered record: the one a continuation resumes from. */
    private long[] prevUid;
    private long[] firstUid;
    private long[] start;
    /** Session totals by key side: index {@code 2 * entry + side}. */
    private long[] packets;
    private long[] bytes;
    private int[] endSeq;
    private int[] info;
    private int[] parts;
    /** Remembered order (and the free list, through {@link #next}). */
    private int[] next;
    private int[] prev;
    private int freeHead = NONE;
    private int used;
    private int head = NONE;
    private int tail = NONE;
    private int remembered;

    private int[] index = new int[0];
    private int mask;

    /** Per connection slot: the claimed entry plus one, or 0. */
    private int[] linkOf = new int[0];

    /** The part being recorded, by key side, filled by the engine before {@link #session} and {@link #remember}. */
    final long[] partPackets = new long[2];
    final long[] partBytes = new long[2];
    final int[] partFirstSeq = new int[2];
    final boolean[] partSeqKnown = new boolean[2];

    private long links;
    private long dropped;
    private long expired;

    /**
     * @param horizon  longest idle gap bridged, nanoseconds
     * @param capacity most entries remembered at once
     * @param uids     turns uid numbers into uids
     */
    SessionLinks(long horizon, int capacity, Uids uids) {
        this.horizon = horizon;
        this.capacity = capacity;
        this.uids = uids;
        allocate(256);
    }

    private void allocate(int n) {
        slab = n;
        proto = Arrays.copyOf(proto == null ? new int[0] : proto, n);
        aHi = Arrays.copyOf(aHi == null ? new long[0] : aHi, n);
        aLo = Arrays.copyOf(aLo == null ? new long[0] : aLo, n);
        bHi = Arrays.copyOf(bHi == null ? new long[0] : bHi, n);
        bLo = Arrays.copyOf(bLo == null ? new long[0] : bLo, n);
        ports = Arrays.copyOf(ports == null ? new int[0] : ports, n);
        lastSeen = Arrays.copyOf(lastSeen == null ? new long[0] : lastSeen, n);
        prevUid = Arrays.copyOf(prevUid == null ? new long[0] : prevUid, n);
        firstUid = Arrays.copyOf(firstUid == null ? new long[0] : firstUid, n);
        start = Arrays.copyOf(start == null ? new long[0] : start, n);
        packets = Arrays.copyOf(packets == null ? new long[0] : packets, 2 * n);
        bytes = Arrays.copyOf(bytes == null ? new long[0] : bytes, 2 * n);
        endSeq = Arrays.copyOf(endSeq == null ? new int[0] : endSeq, 2 * n);
        info = Arrays.copyOf(info == null ? new int[0] : info, n);
        parts = Arrays.copyOf(parts == null ? new int[0] : parts, n);
        next = Arrays.copyOf(next == null ? new int[0] : next, n);
        prev = Arrays.copyOf(prev == null ? new int[0] : prev, n);
        // the index holds only remembered entries, at most the slab: load at most 1/2
        index = new int[2 * n];
        mask = 2 * n - 1;
        for (int e = head; e != NONE; e = next[e]) {
            int i = slot(e);
            while (index[i] != 0) {
                i = (i + 1) & mask;
            }
            index[i] = e + 1;
        }
    }

    private int slot(int e) {
        return hash(proto[e], aHi[e], aLo[e], bHi[e], bLo[e], ports[e]) & mask;
    }

    /** Grows the per-slot state with the connection table. */
    void grow(int slots) {
        if (slots > linkOf.length) {
            linkOf = Arrays.copyOf(linkOf, slots);
        }
    }

    // ----------------------------------------------------------------- time

    /** Forgets the entries, from the oldest remembered, whose horizon has passed by {@code now}. */
    void advance(long now) {
        while (head != NONE && Tcp.plus(lastSeen[head], horizon) < now) {
            expired++;
            forget(head);
        }
    }

    // --------------------------------------------------------------- lookup

    /**
     * A connection was created by a packet at {@code t} that may continue an expired one: claims
     * the remembered entry of its key, if any and within the horizon.
     */
    void created(int slot, long t, int ipProto, long ah, long al, int ap, long bh, long bl, int bp) {
        int pw = ap << 16 | bp;
        int i = hash(ipProto, ah, al, bh, bl, pw) & mask;
        for (int e; (e = index[i] - 1) >= 0; i = (i + 1) & mask) {
            if (proto[e] == ipProto && ports[e] == pw && aLo[e] == al && bLo[e] == bl && aHi[e] == ah
                    && bHi[e] == bh) {
                if (t - lastSeen[e] > horizon) {
                    expired++;
                    forget(e);
                    return;
                }
                unindex(e);
                unlink(e);
                linkOf[slot] = e + 1;
                links++;
                return;
            }
        }
    }

    /** @return whether the connection in {@code slot} continues an expired one */
    boolean isContinuation(int slot) {
        return linkOf[slot] != 0;
    }

    /** @return the uid of the record the connection in {@code slot} continues */
    String resumedFrom(int slot) {
        return uids.uid(prevUid[linkOf[slot] - 1]);
    }

    /**
     * Returns the session totals with the part in {@link #partPackets} etc. folded in, for a
     * continuation.
     *
     * @param slot     a slot for which {@link #isContinuation} holds
     * @param origSide the key side of this record's originator
     * @return the totals
     */
    Connection.Session session(int slot, int origSide) {
        int e = linkOf[slot] - 1;
        int so = (info[e] & ORIG_IS_B) != 0 ? 1 : 0;
        long oBytes = bytes[2 * e + so] + added(e, so);
        long rBytes = bytes[2 * e + (so ^ 1)] + added(e, so ^ 1);
        return new Connection.Session(uids.uid(firstUid[e]), start[e], packets[2 * e + so] + partPackets[so], oBytes,
                packets[2 * e + (so ^ 1)] + partPackets[so ^ 1], rBytes, parts[e] + 1, origSide != so);
    }

    /** Bytes the part adds to side {@code x} of entry {@code e} (see the class comment). */
    private long added(int e, int x) {
        if (!partSeqKnown[x] || (info[e] & (KNOWN_A << x)) == 0) {
            return partBytes[x];
        }
        long n = partBytes[x] + (partFirstSeq[x] - endSeq[2 * e + x]);
        return Math.max(0, n);
    }

    private void fold(int e) {
        for (int x = 0; x < 2; x++) {
            long add = added(e, x);
            packets[2 * e + x] += partPackets[x];
            bytes[2 * e + x] += add;
            if (partSeqKnown[x] && (add > 0 || (info[e] & (KNOWN_A << x)) == 0)) {
                endSeq[2 * e + x] = partFirstSeq[x] + (int) partBytes[x];
                info[e] |= KNOWN_A << x;
            }
        }
    }

    // -------------------------------------------------------------- removal

    /**
     * Remembers the connection in {@code slot}, removed now, with the part in
     * {@link #partPackets} etc.: a continuation's entry gets the part folded in, another
     * connection starts a session.
     */
    void remember(int slot, int ipProto, long ah, long al, int ap, long bh, long bl, int bp, long uid, long first,
                  long last, int origSide) {
        int e = linkOf[slot] - 1;
        linkOf[slot] = 0;
        if (e < 0) {
            if (remembered == capacity) {
                dropped++;
                forget(head);
            }
            e = allocate();
            proto[e] = ipProto;
            aHi[e] = ah;
            aLo[e] = al;
            bHi[e] = bh;
            bLo[e] = bl;
            ports[e] = ap << 16 | bp;
            firstUid[e] = uid;
            start[e] = first;
            packets[2 * e] = 0;
            packets[2 * e + 1] = 0;
            bytes[2 * e] = 0;
            bytes[2 * e + 1] = 0;
            info[e] = origSide == 1 ? ORIG_IS_B : 0;
            parts[e] = 0;
        } else if (remembered == capacity) {
            dropped++;
            forget(head);
        }
        fold(e);
        parts[e]++;
        prevUid[e] = uid;
        lastSeen[e] = last;
        int i = slot(e);
        while (index[i] != 0) {
            // a remembered key cannot be live, so this key is not in the index already
            i = (i + 1) & mask;
        }
        index[i] = e + 1;
        append(e);
    }

    /** The connection in {@code slot} ended for good: its claimed entry, if any, is freed. */
    void release(int slot) {
        int e = linkOf[slot] - 1;
        if (e >= 0) {
            linkOf[slot] = 0;
            free(e);
        }
    }

    // ------------------------------------------------------------ structures

    private int allocate() {
        if (freeHead != NONE) {
            int e = freeHead;
            freeHead = next[e];
            return e;
        }
        if (used == slab) {
            allocate(slab * 2);
        }
        return used++;
    }

    private void free(int e) {
        next[e] = freeHead;
        freeHead = e;
    }

    private void forget(int e) {
        unindex(e);
        unlink(e);
        free(e);
    }

    private void append(int e) {
        prev[e] = tail;
        next[e] = NONE;
        if (tail == NONE) {
            head = e;
        } else {
            next[tail] = e;
        }
        tail = e;
        remembered++;
    }

    private void unlink(int e) {
        int p = prev[e];
        int n = next[e];
        if (p == NONE) {
            head = n;
        } else {
            next[p] = n;
        }
        if (n == NONE) {
            tail = p;
        } else {
            prev[n] = p;
        }
        remembered--;
    }

    /** Removes {@code e} from the index by backward shift, so no tombstones build up. */
    private void unindex(int e) {
        int i = slot(e);
        while (index[i] != e + 1) {
            i = (i + 1) & mask;
        }
        int hole = i;
        for (int j = (i + 1) & mask; index[j] != 0; j = (j + 1) & mask) {
            int k = index[j] - 1;
            int home = slot(k);
            // move k into the hole unless its home lies cyclically in (hole, j]
            if (((j - home) & mask) >= ((j - hole) & mask)) {
                index[hole] = index[j];
                hole = j;
            }
        }
        index[hole] = 0;
    }

    private static int hash(int proto, long ah, long al, long bh, long bl, int ports) {
        long h = (ah * 0x9E3779B97F4A7C15L) ^ al;
        h = (h * 0xC2B2AE3D27D4EB4FL) ^ bh;
        h = (h * 0x9E3779B97F4A7C15L) ^ bl;
        h = (h * 0xC2B2AE3D27D4EB4FL) ^ ((long) ports << 8 | proto);
        h = (h ^ (h >>> 33)) * 0xFF51AFD7ED558CCDL;
        return (int) (h ^ (h >>> 29));
    }

    // ----------------------------------------------------------------- stats

    /** @return records linked to the record they continue */
    long links() {
        return links;
    }

    /** @return remembered entries dropped at the capacity */
    long dropped() {
        return dropped;
    }

    /** @return remembered entries forgotten after the horizon */
    long expired() {
        return expired;
    }
}
