package io.flowkit.core.internal.scan;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.RemovalCause;
import io.flowkit.Bound;
import io.flowkit.CloseReason;
import io.flowkit.Connection;
import io.flowkit.IpNetwork;
import io.flowkit.PortKey;
import io.flowkit.Protocol;
import io.flowkit.ScanDetection;
import io.flowkit.ScanEvent;
import io.flowkit.ScanKind;
import io.flowkit.ScanListener;
import io.flowkit.core.internal.bound.BoundGauge;
import it.unimi.dsi.fastutil.ints.Int2IntMap;
import it.unimi.dsi.fastutil.ints.Int2IntOpenHashMap;
import it.unimi.dsi.fastutil.ints.IntOpenHashSet;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Scan detection over connection outcomes: address scans, port scans, per-port address scans and
 * Threshold Random Walk, with allow-lists, suppression and bounded memory.
 *
 * <p><b>Input.</b> Detectors see outcomes, never packets. {@link #onConnection} reads each
 * connection record as its originator's attempt (see {@link Outcome}: replies never count), and
 * {@link #onUnreachable} takes an ICMP unreachable's embedded 5-tuple as a failed attempt at once,
 * seconds before the unanswered connection's own record arrives. An attempt's time is its start;
 * the detector's clock is the latest outcome time seen, or {@link #advanceTime}.
 *
 * <p><b>Threshold detectors</b> (Zeek's {@code scan.zeek} idea, with a sliding window instead of
 * fixed epochs). Each counts the distinct targets of <em>failed</em> attempts whose last attempt
 * lies within the window: hosts per source (address scan), ports per (source, host) (port scan),
 * hosts per (source, port) (per-port address scan, threshold per port). When the count reaches
 * the threshold the detector fires and clears its set, so the next event needs a fresh threshold
 * of targets; within the suppression interval such a repeat is only counted.
 * <em>Invariant</em>: a set holds at most its threshold of entries, and when it is about to reach
 * it, entries that left the window are purged first, so the count it fires on is exact.
 *
 * <p><b>Threshold Random Walk</b> (Jung, Paxson, Berger, Balakrishnan, "Fast Portscan Detection
 * Using Sequential Hypothesis Testing", IEEE S&amp;P 2004). Only a source's <em>first
 * contact</em> with a host is an observation: success multiplies the likelihood ratio Λ by
 * θ1/θ0, failure by (1−θ1)/(1−θ0). Λ ≥ η1 = β/α accepts "scanner" (event); Λ ≤ η0 =
 * (1−β)/(1−α) accepts "benign". Either decision restarts the walk at Λ = 1, so a host that turns
 * into a scanner later is still caught. With the paper's defaults (θ0 0.8, θ1 0.2, α 0.01, β
 * 0.99) four failed first contacts in a row flag a source, four successes clear it, and a source
 * whose first contacts all succeed can never be flagged. The walk keeps log Λ as a double.
 * Contacted hosts are remembered for the window (at most {@link #MAX_CONTACTS} per source): a
 * host contacted again after that counts as a new first contact.
 *
 * <p><b>Admission.</b> While one failed attempt cannot fire (every threshold at 2 or more, and
 * TRW needing two failures), a new source's attempts go to a fixed-size primitive
 * {@link FirstContacts} table (about {@value FirstContacts#SLOT_BYTES} bytes a slot,
 * {@code highestOneBit(maxSources)} slots, at most 2^20), not to the cache. The table keeps up to
 * {@value FirstContacts#ENTRIES} attempts of a source verbatim as long as it has too few failures
 * for any detector to fire (with the defaults three: TRW's fourth failed first contact is the
 * first that can fire), and absorbs later successes to the host of a lone first attempt. A
 * source is promoted to full state, its recorded attempts replayed in order against the window
 * as it was at each, when one more attempt does not fit or when a new source needs its slot
 * (only a source with one attempt is ever forgotten there). So an ordinary client of a few servers,
 * and each source of a spoofed flood, costs no cache operation, no object and no target set; a
 * flood's sources push each other out of the table (counted) and never evict a scanner's full
 * state, because a scanner is promoted within its first few probes (or, when a crowd of new
 * sources pushed its first probe out, by its next failed probe, through the table's ghosts; a
 * source that comes back with an answered attempt takes a slot again, so the ordinary clients of
 * a table too small for them churn in the table, not in the cache). Events
 * and counts are the same as if every attempt had been counted at once: the replay only delays
 * counting of attempts that could not fire, and rebuilds exactly the state they would have left.
 *
 * <p><b>Memory.</b> Full per-(source, transport) state lives in a Caffeine cache driven by network
 * time, expiring a window after the source's last attempt (longer while a suppression record must
 * survive), and bounded in <em>bytes</em>: each state's heap is estimated from its arrays
 * ({@link SourceState#bytes}, re-weighed when it drifts by an eighth), weighs at least
 * {@code maxStateBytes / maxSources} (so there are at most {@code maxSources} states), and the
 * total is at most {@link #maxStateBytes()}: {@code maxSources} × {@value #BYTES_PER_SOURCE} B,
 * or four of the largest states one source can reach if that is more. At the bound Caffeine's
 * W-TinyLFU evicts, preferring sources seen rarely; evictions are counted. Each set is capped: the
 * address set at its threshold, {@link #MAX_GROUPS} hosts per source for port scans and ports per
 * source for per-port scans (the stalest is forgotten beyond), per-port and per-host sets at their
 * thresholds, {@link #MAX_CONTACTS} TRW contacts, so a source's state is bounded too
 * ({@link #largestSourceBytes}). An attempt of a known source allocates nothing (a reused probe
 * key finds it; IPv6 addresses are read with one copy); a promotion, a new set and an event
 * allocate.
 *
 * <p><b>Cost.</b> A source in the first-contact table costs a probe of one set of its ways per
 * attempt, and its promotion a replay of at most {@value FirstContacts#ENTRIES} attempts; a source
 * with full state costs that probe, one cache lookup and linear scans of the touched sets:
 * O(threshold) at worst, typically a few entries.
 *
 * <p>Not thread-safe: one detector belongs to one tracker thread. Listener exceptions are caught,
 * counted ({@link #listenerFailures()}) and logged once.
 */
public final class ScanDetector {
    /** Most hosts per source tracked for port scans, and most ports for per-port address scans. */
    public static final int MAX_GROUPS = 64;
    /** Most first contacts per source remembered by TRW. */
    public static final int MAX_CONTACTS = 128;
    /** Most targets and uids in an event's samples, and most ports in its top list. */
    public static final int SAMPLE = 10;
    /** Heap budget per {@link ScanDetection#maxSources() source bound} unit: 1 KiB. */
    public static final int BYTES_PER_SOURCE = 1024;
    /** Most slots of the first-contact table, which is allocated up front: about 290 MB (560 MB with every uid kept). */
    static final int MAX_FIRST_CONTACTS = 1 << 20;
    /** Records closed by the end of input judged together, in start order, at most. */
    static final int END_OF_INPUT_BATCH = 16_384;

    private static final Logger LOG = LoggerFactory.getLogger(ScanDetector.class);
    private static final Protocol[] PROTOCOLS = Protocol.values();

    private final boolean addressScan;
    private final boolean portScan;
    private final boolean portAddressScan;
    private final boolean trw;
    private final int addressThreshold;
    private final int portThreshold;
    private final Int2IntOpenHashMap portAddressThresholds;
    private final long windowNanos;
    private final long suppressionNanos;
    private final double lnSuccess;
    private final double lnFailure;
    private final double lnEta1;
    private final double lnEta0;
    private final Ip128.Net[] allowedSources;
    private final Ip128.Net[] allowedDestinations;
    private final IntOpenHashSet allowedPorts;
    private final ScanListener[] listeners;
    private final Cache<SourceKey, SourceState> sources;
    private final SourceKey probe = new SourceKey();
    /** Sources with a few attempts so far; {@code null} when a single failure can fire an event. */
    private final FirstContacts firstContacts;
    /** Most failed attempts a source may make in the first-contact table: none could fire. */
    private final int maxDeferredFailures;
    /** Bound of the full states' estimated heap. */
    private final long maxStateBytes;
    /** Least weight of one full state: the byte bound over the source bound. */
    private final long minWeight;
    private final List<Connection> endOfInput = new ArrayList<>();
    /** Counts sources forgotten at the bound (full states and one-attempt sources) and signals. */
    private final BoundGauge gauge;

    private long now;
    private long listenerFailures;
    private long evictedSources;
    /** Clock at the last source forgotten at the bound; a window later the episode is over. */
    private long lastEviction = Long.MIN_VALUE / 2;
    private boolean listenerFailureLogged;

    /**
     * Creates a detector.
     *
     * @param settings  thresholds, window, TRW parameters, allow-lists, bounds
     * @param listeners receivers of the events, called on the caller's thread
     */
    public ScanDetector(ScanDetection settings, List<ScanListener> listeners) {
        addressScan = settings.addressScan();
        portScan = settings.portScan();
        portAddressScan = settings.portAddressScan();
        trw = settings.trw();
        addressThreshold = settings.addressScanThreshold();
        portThreshold = settings.portScanThreshold();
        portAddressThresholds = new Int2IntOpenHashMap();
        portAddressThresholds.defaultReturnValue(settings.portAddressScanThreshold());
        for (Map.Entry<PortKey, Integer> e : settings.portAddressScanThresholds().entrySet()) {
            portAddressThresholds.put(portKey(e.getKey().protocol(), e.getKey().port()), e.getValue().intValue());
        }
        windowNanos = settings.window().toNanos();
        suppressionNanos = settings.suppressionInterval().toNanos();
        double t0 = settings.trwTheta0();
        double t1 = settings.trwTheta1();
        lnSuccess = Math.log(t1 / t0);
        lnFailure = Math.log((1 - t1) / (1 - t0));
        lnEta1 = Math.log(settings.trwBeta() / settings.trwAlpha());
        lnEta0 = Math.log((1 - settings.trwBeta()) / (1 - settings.trwAlpha()));
        allowedSources = compile(settings.allowedSources());
        allowedDestinations = compile(settings.allowedDestinations());
        allowedPorts = new IntOpenHashSet();
        for (PortKey p : settings.allowedPorts()) {
            allowedPorts.add(portKey(p.protocol(), p.port()));
        }
        int minThreshold = Integer.MAX_VALUE;
        if (addressScan) {
            minThreshold = addressThreshold;
        }
        if (portScan) {
            minThreshold = Math.min(minThreshold, portThreshold);
        }
        if (portAddressScan) {
            minThreshold = Math.min(minThreshold, settings.portAddressScanThreshold());
            for (int v : settings.portAddressScanThresholds().values()) {
                minThreshold = Math.min(minThreshold, v);
            }
        }
        maxDeferredFailures = deferrableFailures(minThreshold);
        int maxSources = settings.maxSources();
        gauge = new BoundGauge(Bound.SCAN_SOURCES, maxSources, BoundGauge.Signal.NONE);
        int slots = Math.max(FirstContacts.WAYS, Math.min(MAX_FIRST_CONTACTS, Integer.highestOneBit(maxSources)));
        firstContacts = maxDeferredFailures > 0 ? new FirstContacts(slots) : null;
        maxStateBytes = Math.max((long) maxSources * BYTES_PER_SOURCE, 4 * largestSourceBytes(settings));
        minWeight = Math.max(1, maxStateBytes / maxSources);
        this.listeners = listeners.toArray(new ScanListener[0]);
        sources = Caffeine.newBuilder()
                .maximumWeight(maxStateBytes)
                .weigher((SourceKey k, SourceState s) -> (int) Math.min(Integer.MAX_VALUE, Math.max(minWeight, s.weighed)))
                .evictionListener((SourceKey k, SourceState s, RemovalCause cause) -> {
                    if (cause == RemovalCause.SIZE) {
                        evictedSources++;
                        forgotten();
                    }
                })
                .ticker(this::clock)
                .executor(Runnable::run)
                .expireAfter(new Retention())
                .build();
    }

    /**
     * Returns how many failed attempts a source may make before any detector could fire, at most
     * a first-contact slot's entries: fewer than the smallest threshold, and, with TRW on, too few
     * for a walk of nothing but failed first contacts to reach its upper bound (summed as the walk
     * sums them).
     */
    private int deferrableFailures(int minThreshold) {
        int f = 0;
        double walk = 0;
        while (f < FirstContacts.ENTRIES && f + 1 < minThreshold) {
            walk += lnFailure;
            if (trw && walk >= lnEta1) {
                break;
            }
            f++;
        }
        return f;
    }

    /**
     * Returns the estimated heap of the largest state one source can reach under these settings:
     * every set at its cap.
     */
    static long largestSourceBytes(ScanDetection settings) {
        long perPortThreshold = settings.portAddressScanThreshold();
        for (int v : settings.portAddressScanThresholds().values()) {
            perPortThreshold = Math.max(perPortThreshold, v);
        }
        long set = TargetSet.SET_BYTES;
        long slot = TargetSet.SLOT_BYTES;
        long uids = (long) SAMPLE * TargetSet.UID_BYTES;
        long groups = set + MAX_GROUPS * slot;
        return SourceState.BASE_BYTES + SourceState.MAX_SUPPRESSIONS * 21L + 64
                + set + settings.addressScanThreshold() * slot + uids
                + groups + MAX_GROUPS * (set + settings.portScanThreshold() * slot + uids)
                + groups + MAX_GROUPS * (set + perPortThreshold * slot + uids)
                + set + MAX_CONTACTS * (slot + TargetSet.UID_BYTES);
    }

    private static Ip128.Net[] compile(List<IpNetwork> nets) {
        Ip128.Net[] out = new Ip128.Net[nets.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = new Ip128.Net(nets.get(i));
        }
        return out;
    }

    private static int portKey(Protocol proto, int port) {
        return proto.ordinal() << 16 | port;
    }

    private long clock() {
        return now;
    }

    /**
     * Takes a connection record as its originator's attempt (if it is one) and runs the
     * detectors; may call the listeners. Records closed by the end of input are held until
     * {@link #endOfInput()}.
     *
     * @param c a record the tracker produced
     */
    public void onConnection(Connection c) {
        if (c.closeReason() == CloseReason.END_OF_INPUT) {
            endOfInput.add(c);
            if (endOfInput.size() >= END_OF_INPUT_BATCH) {
                judgeEndOfInput();
            }
            return;
        }
        judge(c);
    }

    /**
     * Runs the detectors over the records the tracker flushed when its input ended, in the order
     * their attempts started. The flush delivers records in table order, which says nothing
     * about when each attempt was made, and TRW's walk depends on that order. A flush of more than
     * {@value #END_OF_INPUT_BATCH} records (a full table at the end of a flood) is judged in
     * batches of that many, each in start order, so holding them stays bounded.
     */
    public void endOfInput() {
        judgeEndOfInput();
    }

    private void judgeEndOfInput() {
        endOfInput.sort(Comparator.comparingLong(Connection::startNanos));
        for (Connection c : endOfInput) {
            judge(c);
        }
        endOfInput.clear();
    }

    private void judge(Connection c) {
        int outcome = Outcome.of(c);
        if (outcome == Outcome.NONE) {
            return;
        }
        advanceTime(c.startNanos() + c.durationNanos());
        InetAddress orig = c.origAddress();
        InetAddress resp = c.respAddress();
        attempt(c.startNanos(), Ip128.hi(orig), Ip128.lo(orig), Ip128.hi(resp), Ip128.lo(resp),
                Outcome.targetPort(c), c.protocol() == Protocol.ICMP ? -1 : c.origPort(), c.protocol(),
                outcome == Outcome.FAILED, c.uid());
    }

    /**
     * Takes an ICMP unreachable as a failed attempt by the sender of the packet it quotes.
     *
     * @param tsNanos time of the unreachable
     * @param srcHi   quoted source (the scanner), high 64 bits, IPv4-mapped for IPv4
     * @param srcLo   quoted source, low 64 bits
     * @param dstHi   quoted destination (the target), high 64 bits
     * @param dstLo   quoted destination, low 64 bits
     * @param dstPort quoted destination port (ICMP: the quoted type)
     * @param proto   quoted transport
     */
    public void onUnreachable(long tsNanos, long srcHi, long srcLo, long dstHi, long dstLo, int dstPort, Protocol proto) {
        advanceTime(tsNanos);
        attempt(tsNanos, srcHi, srcLo, dstHi, dstLo, dstPort, -1, proto, true, null);
    }

    /**
     * Moves the detector's clock forward (never back), letting idle sources expire.
     *
     * @param nowNanos network time
     */
    public void advanceTime(long nowNanos) {
        if (nowNanos > now) {
            now = nowNanos;
        }
    }

    /**
     * Returns the (source, transport) pairs with state right now, after pending evictions and
     * expiries are applied.
     *
     * @return tracked sources
     */
    public long trackedSources() {
        sources.cleanUp();
        long once = firstContacts == null ? 0 : firstContacts.live(now - windowNanos);
        return sources.estimatedSize() + once;
    }

    /**
     * Returns the sources with full state (promoted out of the first-contact table) and the
     * weight the cache charges for them: their estimated heap, each at least
     * {@code maxStateBytes / maxSources}.
     *
     * @return {@code {sources, bytes}}
     */
    long[] fullState() {
        sources.cleanUp();
        long weight = sources.policy().eviction().map(e -> e.weightedSize().orElse(0)).orElse(0L);
        return new long[] {sources.estimatedSize(), weight};
    }

    /**
     * Returns the gauge of the {@link Bound#SCAN_SOURCES} bound: sources forgotten at the bound,
     * with full state or with one attempt, and the episodes of forgetting. Point its signal at the
     * tracker's bound listeners.
     *
     * @return the gauge
     */
    public BoundGauge gauge() {
        return gauge;
    }

    /**
     * Returns how many sources with full state were forgotten at the {@code maxSources} bound
     * (in count or in bytes) before their window ended.
     *
     * @return evicted sources so far
     */
    public long evictedSources() {
        sources.cleanUp();
        return evictedSources;
    }

    /**
     * Returns how many sources seen once were pushed out of the first-contact table by other new
     * sources before their window ended; each loses its one attempt. (A source with several
     * attempts moves to full state instead.)
     *
     * @return evicted first contacts so far
     */
    public long evictedFirstContacts() {
        return firstContacts == null ? 0 : firstContacts.evictions();
    }

    /**
     * Returns the bound of the estimated heap of the sources' full state: {@code maxSources} times
     * {@value #BYTES_PER_SOURCE} bytes, or four of the largest states one source can reach if that
     * is more. The first-contact table adds {@link #firstContactBytes()}.
     *
     * @return bytes
     */
    public long maxStateBytes() {
        return maxStateBytes;
    }

    /**
     * Returns the fixed heap of the first-contact table.
     *
     * @return bytes, 0 when the table is not used
     */
    public long firstContactBytes() {
        return firstContacts == null ? 0 : (long) firstContacts.capacity() * FirstContacts.SLOT_BYTES;
    }

    /**
     * Returns how many listener calls threw.
     *
     * @return listener failures so far
     */
    public long listenerFailures() {
        return listenerFailures;
    }

    private boolean allowed(Ip128.Net[] nets, long hi, long lo) {
        for (Ip128.Net n : nets) {
            if (n.contains(hi, lo)) {
                return true;
            }
        }
        return false;
    }

    private void attempt(long t, long sh, long sl, long dh, long dl, int port, int origPort, Protocol proto,
            boolean failed, String uid) {
        if (proto == Protocol.UNKNOWN_TRANSPORT || port < 0 || port > 0xFFFF
                || allowed(allowedSources, sh, sl) || allowed(allowedDestinations, dh, dl)
                || allowedPorts.contains(portKey(proto, port))) {
            return;
        }
        long cutoff = now - windowNanos;
        int p = proto.ordinal();
        SourceState s;
        if (firstContacts != null) {
            // a source has a slot or full state, never both: a live slot spares the cache lookup
            FirstContacts fc = firstContacts;
            int slot = fc.find(sh, sl, p);
            if (slot >= 0) {
                if (!fc.inWindow(slot, cutoff)) {
                    // its attempts left the window: it starts afresh, as an expired full state would
                    fc.put(slot, now, sh, sl, p, t, dh, dl, port, origPort, failed, uid);
                    rearm();
                    return;
                }
                if (!failed && fc.absorbs(slot, dh, dl, cutoff)) {
                    // a success to a host contacted within the window changes no count: it stays cheap
                    fc.absorb(slot, now, t, origPort);
                    return;
                }
                if (fc.hasRoom(slot, failed, maxDeferredFailures)) {
                    // still too few failures for any detector to fire: the attempt waits with the others
                    fc.add(slot, now, t, dh, dl, port, origPort, failed, uid);
                    return;
                }
                s = promote(slot);
            } else {
                s = sources.getIfPresent(probe.set(sh, sl, p));
                if (s == null) {
                    int ghost = fc.takeGhost(sh, sl, p, dh, dl, port);
                    if (ghost == FirstContacts.GHOST_OTHER_TARGET && failed) {
                        // it lost its slot to a crowd and now fails at another target: it may be scanning
                        s = newState(sh, sl, p);
                    } else {
                        // most sources of a flood are never seen again, and one that comes back
                        // with an answered attempt shows no sign of scanning: attempts wait in the table
                        int free = fc.victim(sh, sl, p, cutoff);
                        makeRoom(free, cutoff);
                        fc.put(free, now, sh, sl, p, t, dh, dl, port, origPort, failed, uid);
                        return;
                    }
                }
            }
        } else {
            s = sources.getIfPresent(probe.set(sh, sl, p));
            if (s == null) {
                s = newState(sh, sl, p);
            }
        }
        s.attempts++;
        s.voteOrigPort(origPort);
        if (failed) {
            s.failed++;
        }
        count(s, t, dh, dl, port, failed, uid, cutoff);
        long drift = s.bytes - s.weighed;
        if (s.weighed == 0 || drift > s.weighed >> 3 || -drift > s.weighed >> 3) {
            // a new state enters the cache weighed with its first sets, in one write; the cache
            // bounds total bytes by weight: re-weigh a state that grew or shrank by 1/8
            s.weighed = s.bytes;
            sources.put(s.key, s);
        }
    }

    private void forgotten() {
        lastEviction = now;
        gauge.evicted(now);
    }

    /**
     * Frees a first-contact slot for a new source. A source still in its window with several
     * attempts moves to full state, as it would have by its second attempt had the table not
     * held it; one with a single attempt is forgotten, leaving its ghost.
     */
    private void makeRoom(int slot, long cutoff) {
        FirstContacts fc = firstContacts;
        if (!fc.isLive(slot, cutoff)) {
            rearm();
        } else if (fc.entries(slot) > 1) {
            SourceState s = promote(slot);
            s.weighed = s.bytes;
            sources.put(s.key, s);
            rearm();
        } else {
            fc.forget(slot);
            forgotten();
        }
    }

    /** Ends an eviction episode once a window has passed without forgetting a source. */
    private void rearm() {
        if (now - lastEviction >= windowNanos) {
            gauge.occupancy(0);
        }
    }

    /** Makes full state for a new source; the caller counts its attempt, then caches it. */
    private SourceState newState(long sh, long sl, int p) {
        rearm();
        return new SourceState(new SourceKey(sh, sl, p));
    }

    /**
     * Makes full state for a source of the first-contact table: its attempts are counted in the
     * order they came, each against the window as it was then, so the state is the one counting
     * them at once would have built (none of them could fire). The caller counts the attempt
     * that did not fit, then caches the state.
     */
    private SourceState promote(int slot) {
        FirstContacts fc = firstContacts;
        SourceState s = new SourceState(new SourceKey(fc.srcHi[slot], fc.srcLo[slot], fc.meta[slot] & 0xFF));
        s.attempts = fc.attempts[slot];
        s.failed = fc.failures(slot);
        s.origPortCandidate = fc.origCandidate[slot];
        s.origPortVotes = fc.origVotes[slot];
        s.origPortsSeen = fc.origSeen[slot];
        for (int j = 0, n = fc.entries(slot); j < n; j++) {
            int e = FirstContacts.entry(slot, j);
            count(s, fc.start[e], fc.dstHi[e], fc.dstLo[e], fc.port(e), fc.failed(e), fc.uid[e], fc.seen[e] - windowNanos);
            if (j == 0 && s.contacts != null) {
                // successes absorbed after the first attempt only moved its contact's last time
                int i = s.contacts.indexOf(fc.dstHi[e], fc.dstLo[e]);
                if (i >= 0) {
                    s.contacts.last[i] = Math.max(s.contacts.last[i], fc.last[slot]);
                }
            }
        }
        fc.remove(slot);
        return s;
    }

    private void count(SourceState s, long t, long dh, long dl, int port, boolean failed, String uid, long cutoff) {
        if (failed) {
            if (t > cutoff) {
                if (addressScan) {
                    countAddress(s, t, dh, dl, port, uid, cutoff);
                }
                if (portScan) {
                    countPort(s, t, dh, dl, port, uid, cutoff);
                }
                if (portAddressScan) {
                    countPortAddress(s, t, dh, dl, port, uid, cutoff);
                }
            }
        }
        if (trw) {
            walk(s, t, dh, dl, port, failed, uid, cutoff);
        }
    }

    /**
     * Counts a failed attempt to {@code (kh, kl)} in a threshold set.
     *
     * @return whether the set reached its threshold
     */
    private static boolean record(TargetSet set, long t, long kh, long kl, int port, String uid, long cutoff) {
        int i = set.indexOf(kh, kl);
        if (i >= 0) {
            if (set.last[i] <= cutoff) {
                // it had left the window: it counts again from this attempt
                set.first[i] = t;
                set.count[i] = 0;
            }
            set.last[i] = Math.max(set.last[i], t);
            set.first[i] = Math.min(set.first[i], t);
            set.count[i]++;
            set.port[i] = port;
            set.keepUid(i, uid);
            return false;
        }
        if (set.size + 1 >= set.cap) {
            set.purgeNotAfter(cutoff);
        }
        set.add(kh, kl, t, port, uid);
        return set.size >= set.cap;
    }

    /** Finds or makes the group entry for a key, evicting expired then stalest groups when full. */
    private static TargetSet group(SourceState owner, TargetSet groups, long t, long kh, long kl, int port, int childCap, long cutoff) {
        int g = groups.indexOf(kh, kl);
        if (g < 0) {
            if (groups.isFull()) {
                groups.purgeNotAfter(cutoff);
                if (groups.isFull()) {
                    groups.removeAt(groups.stalest());
                }
            }
            g = groups.add(kh, kl, t, port, new TargetSet(childCap, 1, SAMPLE, owner));
        } else {
            groups.last[g] = Math.max(groups.last[g], t);
        }
        return (TargetSet) groups.ref[g];
    }

    private void countAddress(SourceState s, long t, long dh, long dl, int port, String uid, long cutoff) {
        if (s.hosts == null) {
            s.hosts = new TargetSet(addressThreshold, 2, SAMPLE, s);
        }
        if (record(s.hosts, t, dh, dl, port, uid, cutoff)) {
            fire(s, ScanKind.ADDRESS_SCAN, -1, s.hosts, false, 0, 0);
            s.hosts.clear();
        }
    }

    private void countPort(SourceState s, long t, long dh, long dl, int port, String uid, long cutoff) {
        if (s.portScanHosts == null) {
            s.portScanHosts = new TargetSet(MAX_GROUPS, 2, 0, s);
        }
        TargetSet ports = group(s, s.portScanHosts, t, dh, dl, port, portThreshold, cutoff);
        if (record(ports, t, 0, port, port, uid, cutoff)) {
            fire(s, ScanKind.PORT_SCAN, -1, ports, true, dh, dl);
            ports.clear();
        }
    }

    private void countPortAddress(SourceState s, long t, long dh, long dl, int port, String uid, long cutoff) {
        if (s.portAddressPorts == null) {
            s.portAddressPorts = new TargetSet(MAX_GROUPS, 2, 0, s);
        }
        int threshold = portAddressThresholds.get(portKey(PROTOCOLS[s.key.proto], port));
        TargetSet hosts = group(s, s.portAddressPorts, t, 0, port, port, threshold, cutoff);
        if (record(hosts, t, dh, dl, port, uid, cutoff)) {
            fire(s, ScanKind.PORT_ADDRESS_SCAN, port, hosts, false, 0, 0);
            hosts.clear();
        }
    }

    private void walk(SourceState s, long t, long dh, long dl, int port, boolean failed, String uid, long cutoff) {
        if (s.contacts == null) {
            s.contacts = new TargetSet(MAX_CONTACTS, 2, MAX_CONTACTS, s);
        }
        TargetSet c = s.contacts;
        int i = c.indexOf(dh, dl);
        if (i >= 0) {
            if (c.last[i] > cutoff) {
                c.last[i] = Math.max(c.last[i], t);
                return;
            }
            c.removeAt(i);
        }
        if (c.isFull()) {
            c.purgeNotAfter(cutoff);
            if (c.isFull()) {
                c.removeAt(c.stalest());
            }
        }
        i = c.add(dh, dl, t, port, uid);
        c.count[i] = s.walkId << 1 | (failed ? 1 : 0);
        s.walkContacts++;
        if (failed) {
            s.walkFailures++;
        }
        s.walk += failed ? lnFailure : lnSuccess;
        if (s.walk >= lnEta1) {
            fireTrw(s);
            s.resetWalk();
        } else if (s.walk <= lnEta0) {
            s.resetWalk();
        }
    }

    /**
     * Delivers a threshold detector's event unless suppressed.
     *
     * @param set       the counted targets: hosts (host keys) or ports ({@code (0, port)} keys)
     * @param portSet   whether {@code set} holds ports of the one host {@code (hh, hl)}
     */
    private void fire(SourceState s, ScanKind kind, int port, TargetSet set, boolean portSet, long hh, long hl) {
        long repeats = s.admit(kind.ordinal(), port, now, suppressionNanos);
        if (repeats < 0) {
            return;
        }
        Protocol proto = PROTOCOLS[s.key.proto];
        List<InetAddress> targets = new ArrayList<>();
        List<String> uids = new ArrayList<>();
        PortTally tally = new PortTally();
        long counted = 0;
        for (int i = 0; i < set.size; i++) {
            counted += set.count[i];
            tally.add(set.port[i], set.count[i]);
            if (!portSet && targets.size() < SAMPLE) {
                targets.add(Ip128.toInetAddress(set.hi[i], set.lo[i]));
            }
            if (set.ref[i] != null && uids.size() < SAMPLE) {
                uids.add((String) set.ref[i]);
            }
        }
        int distinctHosts;
        int distinctPorts;
        if (portSet) {
            targets.add(Ip128.toInetAddress(hh, hl));
            distinctHosts = 1;
            distinctPorts = set.size;
        } else {
            distinctHosts = set.size;
            distinctPorts = tally.distinct();
        }
        List<ScanEvent.PortCount> top = tally.top(SAMPLE);
        String hint = PortSignatures.hint(kind, proto, s.dominantOrigPort(), top, counted, distinctHosts, distinctPorts);
        deliver(s, new ScanEvent(now, Ip128.toInetAddress(s.key.hi, s.key.lo), kind, proto, port, distinctHosts,
                distinctPorts, s.attempts, s.failed, set.minFirst(), set.maxLast(), top, hint, targets, uids, repeats));
    }

    private void fireTrw(SourceState s) {
        long repeats = s.admit(ScanKind.TRW.ordinal(), -1, now, suppressionNanos);
        if (repeats < 0) {
            return;
        }
        TargetSet c = s.contacts;
        Protocol proto = PROTOCOLS[s.key.proto];
        List<InetAddress> targets = new ArrayList<>();
        List<String> uids = new ArrayList<>();
        PortTally tally = new PortTally();
        long first = Long.MAX_VALUE;
        long last = Long.MIN_VALUE;
        // failed first contacts of this walk first, then its successes
        for (int pass = 1; pass >= 0; pass--) {
            for (int i = 0; i < c.size; i++) {
                if (c.count[i] != (s.walkId << 1 | pass)) {
                    continue;
                }
                tally.add(c.port[i], 1);
                first = Math.min(first, c.first[i]);
                last = Math.max(last, c.last[i]);
                if (targets.size() < SAMPLE) {
                    targets.add(Ip128.toInetAddress(c.hi[i], c.lo[i]));
                }
                if (c.ref[i] != null && uids.size() < SAMPLE) {
                    uids.add((String) c.ref[i]);
                }
            }
        }
        List<ScanEvent.PortCount> top = tally.top(SAMPLE);
        int distinctPorts = tally.distinct();
        String hint = PortSignatures.hint(ScanKind.TRW, proto, s.dominantOrigPort(), top, s.walkContacts,
                s.walkContacts, distinctPorts);
        deliver(s, new ScanEvent(now, Ip128.toInetAddress(s.key.hi, s.key.lo), ScanKind.TRW, proto, -1,
                s.walkContacts, distinctPorts, s.attempts, s.failed, first, last, top, hint, targets, uids, repeats));
    }

    private void deliver(SourceState s, ScanEvent e) {
        // re-put so the cache recomputes the source's expiry (it must outlive its suppression) and weight
        s.weighed = s.bytes;
        sources.put(s.key, s);
        for (ScanListener l : listeners) {
            try {
                l.onScan(e);
            } catch (RuntimeException ex) {
                listenerFailures++;
                if (!listenerFailureLogged) {
                    listenerFailureLogged = true;
                    LOG.warn("scan listener {} threw; later failures are only counted", l, ex);
                }
            }
        }
    }

    /** Keeps a source a window after its last attempt, or until its last suppression ends. */
    private final class Retention implements Expiry<SourceKey, SourceState> {
        private long retain(SourceState s, long currentTime) {
            return s.suppressUntil > currentTime ? Math.max(windowNanos, s.suppressUntil - currentTime) : windowNanos;
        }

        @Override
        public long expireAfterCreate(SourceKey key, SourceState value, long currentTime) {
            return retain(value, currentTime);
        }

        @Override
        public long expireAfterUpdate(SourceKey key, SourceState value, long currentTime, long currentDuration) {
            return retain(value, currentTime);
        }

        @Override
        public long expireAfterRead(SourceKey key, SourceState value, long currentTime, long currentDuration) {
            return retain(value, currentTime);
        }
    }

    /** Attempts per port for an event's evidence; made per event, small. */
    private static final class PortTally {
        private final Int2IntOpenHashMap counts = new Int2IntOpenHashMap();

        void add(int port, int n) {
            counts.addTo(port, n);
        }

        int distinct() {
            return counts.size();
        }

        List<ScanEvent.PortCount> top(int n) {
            List<ScanEvent.PortCount> all = new ArrayList<>(counts.size());
            for (Int2IntMap.Entry e : counts.int2IntEntrySet()) {
                all.add(new ScanEvent.PortCount(e.getIntKey(), e.getIntValue()));
            }
            all.sort((a, b) -> a.count() != b.count() ? Long.compare(b.count(), a.count()) : Integer.compare(a.port(), b.port()));
            return all.subList(0, Math.min(n, all.size()));
        }
    }
}
