package io.flowkit.core.internal.engine;

import io.flowkit.Bound;
import io.flowkit.CloseReason;
import io.flowkit.ConnState;
import io.flowkit.Connection;
import io.flowkit.PortKey;
import io.flowkit.Protocol;
import io.flowkit.TrackerConfig;
import io.flowkit.core.internal.bound.BoundGauge;
import io.flowkit.core.internal.compress.PendingTable;
import io.flowkit.core.internal.decode.KeyPeek;
import io.flowkit.core.internal.decode.NetworkSet;
import io.flowkit.core.internal.decode.PacketView;
import io.flowkit.core.internal.table.ConnectionTable;
import io.flowkit.core.internal.timer.TimerWheel;
import it.unimi.dsi.fastutil.longs.LongArrays;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The connection engine: packets in, connection records out, with Zeek's semantics.
 *
 * <p><b>Pipeline per packet</b> (the caller advances time first, so timers due before the packet
 * fire before it): key the packet the way Zeek keys it (TCP/UDP ports; ICMP type and counterpart
 * type, or type and code for one-way messages; ports 0 for other protocols), find its slot, let
 * a SYN on a closed TCP connection replace it ({@link CloseReason#REUSED}), create the connection
 * if new (deciding the originator with Zeek's likely-server-port rules, history {@code ^}), run the
 * protocol's state machine and count the packet.
 *
 * <p><b>Timers</b> are lazy: one wheel entry per connection holds the earliest of its deadlines
 * (inactivity measured from the last packet, the TCP attempt timer, the TCP expire check, the
 * delete timer after a close). A packet only moves {@code last}; when the entry fires, every
 * deadline is re-checked in time order and the entry re-armed for the next one. A packet touches
 * the wheel only when it may have moved a deadline earlier (a new connection, a TCP timer set, a
 * new inactivity timeout, a timestamp going backwards: {@code Connections.takeRearm}), so that at
 * a million open connections an ordinary packet costs no cache miss in the wheel's arrays. The
 * wheel keeps no deadline of its own: it reads the earliest of a connection's deadlines from the
 * connection's row when it comes to the connection's bucket, and files the timer again if that
 * deadline has moved past the bucket.
 *
 * <p><b>Bounds.</b> The table grows by doubling up to {@code maxConnections}; at the bound the
 * connection due soonest is removed first ({@link CloseReason#EVICTED}): the one the wheel finds
 * in its earliest bucket. Unanswered attempts and closed connections waiting out their last
 * timer go first; among connections on the same inactivity timeout, the stalest. No order of use
 * is kept per packet. The pending
 * table has its own bound. A {@link BoundGauge} per bound counts the evictions and tells the sink
 * ({@link ConnectionSink#boundReached}) when a bound starts evicting.
 *
 * <p><b>Compressor.</b> With {@link TrackerConfig#compressor()} set, a TCP packet with no entry
 * that the {@link PendingTable} accepts is stored there instead; the entry is replayed through
 * this class's ordinary path when its connection sees a second packet or its first timer fires
 * (see {@code promote} and {@code expirePending}). The full table then keeps one spare slot
 * beyond {@code maxConnections} so that a pending entry can always leave through the ordinary
 * removal code without evicting a full connection. Pending entries due in one {@link #advance}
 * leave before the wheel's timers, so records of connections coming due in the same step may
 * leave in another order than without the compressor; each record is the same. When the
 * compressor's own timeout is shorter than the first timer, the entry leaves at that timeout as
 * an inactive connection ({@code pendingCutShort}).
 *
 * <p><b>Resumed connections.</b> With {@link TrackerConfig#resumeHorizon()} set, a
 * {@link SessionLinks} remembers connections removed for inactivity or eviction; two hooks use
 * it: {@code create} looks up a connection whose first packet has no SYN, and {@code remove}
 * remembers (or forgets) the connection, while {@code record} adds the link and the session
 * totals to the record.
 *
 * <p><b>Not modelled</b> (documented differences from Zeek): protocol analyzers (so no
 * {@code service}, no analyzer-specific history letters such as NTP's {@code ^}, no
 * analyzer-confirmed 1-hour timeouts for SSH/FTP, no DNS expire timers); Zeek's per-packet limit
 * on timer expirations ({@code max_timer_expires}, 300), which only shows when hundreds of timers
 * come due at one packet; and the reset and partial-close timers Zeek runs only for scripts
 * handling {@code connection_reset} or {@code connection_partial_close} (base scripts do not).
 *
 * <p><b>Tunnels.</b> The decoder takes tunnels apart; the caller processes each layer in turn,
 * outer first, and between layers says which tunnel the next one came through
 * ({@link #enterTunnel}, after {@link #beginFrame}). Each connection's encapsulation and tunnel
 * parents are kept by {@link Tunnels}.
 */
public final class Engine implements TimerWheel.Expiry {
    private static final int TCP = 0;
    private static final int UDP = 1;
    private static final int ICMP = 2;
    private static final int OTHER = 3;

    private static final int T_UDP = 0;
    private static final int T_TCP = 1;
    private static final int T_ICMP = 2;
    private static final int T_OTHER = 3;

    private final ConnectionTable table;
    private final Connections c;
    private final TimerWheel wheel;
    private final Tcp tcp;
    private final ConnectionSink sink;
    private final Uids uids;
    private final Tunnels tunnels = new Tunnels();
    private final NetworkSet localNets;
    private final long[] timeouts;
    /** Per TCP responder port: index into {@link #timeouts}, or -1. */
    private final byte[] tcpPortTimeout = new byte[65536];
    private final byte[] udpPortTimeout = new byte[65536];
    private final long[] likelyTcp = new long[1024];
    private final long[] likelyUdp = new long[1024];

    private long uidCounter;
    /** Encapsulation of the layer being processed: a key mixed from its tunnels' uids (0: none), and the innermost uid. */
    private long encapKey;
    private long encapInner;
    /** The connection the last {@link #process} call counted the packet in. */
    private int lastSlot = -1;
    private long lastUid;
    private int lastRespPort;
    private final long uidStep;
    private long created;
    private long closed;
    private long evicted;
    private long peak;
    private final ProgressAges progress;
    private final int maxConnections;
    /** The table's bound: {@link #maxConnections}, plus the spare slot when compressing. */
    private final int maxSlots;
    private final PendingTable pending;
    private final TimerWheel.Expiry pendingExpiry = this::expirePending;
    private final PacketView replay = new PacketView();
    private final long pendingDelay;
    /** Whether the compressor's own timeout is shorter than a pending connection's first timer. */
    private final boolean pendingCutShort;
    private long promotions;
    private long pendingExpiries;
    private final BoundGauge connectionGauge;
    private final BoundGauge pendingGauge;
    /** Resumed-connection linking, or null when off. */
    private final SessionLinks links;
    /** What {@link #lookAhead} read, summed: stored only so that the compiler keeps its loads. */
    @SuppressWarnings("unused")
    private long lookAheadSum;
    /** How many connections ahead {@link #flush()} reads the rows of the records it will build. */
    private static final int FLUSH_AHEAD = 16;

    /**
     * Creates an engine for a tracker's settings.
     *
     * @param config the settings
     * @param sink   receives records and ICMP unreachables
     * @param seed   the uid seed
     */
    public Engine(TrackerConfig config, ConnectionSink sink, long seed) {
        this(config, config.maxConnections(), config.resumeCapacity(),
                config.compressor() == null ? 0 : config.compressor().maxPendingConnections(), sink, seed, 0, 1);
    }

    /**
     * Creates one of several engines that share a uid seed: engine {@code i} of {@code n}
     * numbers its connections {@code i, i + n, i + 2n, ...}, so their uids never collide.
     *
     * @param config         the settings
     * @param maxConnections this engine's table bound
     * @param resumeCapacity how many expired connections this engine's resume store remembers
     *                       (when {@link TrackerConfig#resumeHorizon()} is set)
     * @param maxPending     this engine's share of the compressor's pending bound (when
     *                       {@link TrackerConfig#compressor()} is set; ignored otherwise)
     * @param sink           receives records and ICMP unreachables
     * @param seed           the uid seed
     * @param uidStart       the first connection number
     * @param uidStep        the distance between connection numbers
     */
    public Engine(TrackerConfig config, int maxConnections, int resumeCapacity, int maxPending, ConnectionSink sink,
                  long seed, long uidStart, long uidStep) {
        this.sink = sink;
        this.uidCounter = uidStart;
        this.uidStep = uidStep;
        this.uids = new Uids(seed);
        int max = maxConnections;
        this.maxConnections = max;
        long firstTimer = Math.min(Math.min(config.tcpAttemptTimeout().toNanos(), Tcp.SYN_TIMEOUT),
                config.udpInactivityTimeout().toNanos());
        long own = config.compressor() == null ? firstTimer
                : config.compressor().pendingTimeout().orElse(config.tcpAttemptTimeout()).toNanos();
        this.pendingCutShort = own < firstTimer;
        this.pendingDelay = Math.min(firstTimer, own);
        this.pending = config.compressor() == null ? null : new PendingTable(config.compressor(), maxPending, pendingDelay);
        int slots = pending == null ? max : max + 1;
        this.maxSlots = slots;
        this.connectionGauge = new BoundGauge(Bound.CONNECTIONS, max, sink::boundReached);
        this.pendingGauge = pending == null ? null
                : new BoundGauge(Bound.PENDING, maxPending, sink::boundReached);
        this.table = new ConnectionTable(Math.min(slots, 1024), slots, Connections.WORDS);
        this.c = new Connections(table, !config.progressAges().isEmpty());
        this.wheel = new TimerWheel(table.capacity(), 0, this::earliestDeadline);
        tunnels.grow(table.capacity());
        this.localNets = new NetworkSet(config.localNetworks());
        List<Long> values = new ArrayList<>(List.of(config.udpInactivityTimeout().toNanos(),
                config.tcpInactivityTimeout().toNanos(), config.icmpInactivityTimeout().toNanos(),
                config.otherInactivityTimeout().toNanos()));
        Arrays.fill(tcpPortTimeout, (byte) -1);
        Arrays.fill(udpPortTimeout, (byte) -1);
        for (Map.Entry<PortKey, Duration> e : config.portInactivityTimeouts().entrySet()) {
            long ns = e.getValue().toNanos();
            int idx = values.indexOf(ns);
            if (idx < 0) {
                if (values.size() == 127) {
                    throw new IllegalArgumentException("more than 123 distinct per-port inactivity timeouts");
                }
                values.add(ns);
                idx = values.size() - 1;
            }
            PortKey k = e.getKey();
            if (k.protocol() == Protocol.TCP) {
                tcpPortTimeout[k.port()] = (byte) idx;
            } else if (k.protocol() == Protocol.UDP) {
                udpPortTimeout[k.port()] = (byte) idx;
            }
        }
        this.timeouts = values.stream().mapToLong(Long::longValue).toArray();
        for (PortKey k : config.likelyServerPorts()) {
            if (k.protocol() == Protocol.TCP) {
                likelyTcp[k.port() >>> 6] |= 1L << k.port();
            } else if (k.protocol() == Protocol.UDP) {
                likelyUdp[k.port() >>> 6] |= 1L << k.port();
            }
        }
        this.tcp = new Tcp(c, config.tcpAttemptTimeout().toNanos(), config.tcpCloseTimeout().toNanos(),
                config.tcpResetTimeout().toNanos(), T_TCP);
        this.progress = new ProgressAges(config.progressAges());
        this.links = config.resumeHorizon() == null ? null : new SessionLinks(config.resumeHorizon().toNanos(),
                resumeCapacity, uids);
        if (links != null) {
            links.grow(table.capacity());
        }
    }

    // ------------------------------------------------------------------ time

    /**
     * Advances network time, removing every connection whose timers are due by {@code now}.
     *
     * @param now nanoseconds since the epoch; earlier than the current time does nothing
     */
    public void advance(long now) {
        if (pending != null) {
            pending.advance(now, pendingExpiry);
        }
        wheel.advance(now, this);
        if (links != null) {
            links.advance(now);
        }
    }

    @Override
    public void expired(int s, long deadline, long now) {
        while (true) {
            long att = c.attemptAt(s);
            long exp = c.expireAt(s);
            long inact = inactivityDeadline(s);
            long first = inact;
            int which = 2;
            if (att != 0 && att < first) {
                first = att;
                which = 0;
            }
            if (exp != 0 && exp < first) {
                first = exp;
                which = 1;
            }
            long prog = c.progressAt(s);
            if (prog != 0 && prog < first) {
                first = prog;
                which = 3;
            }
            if (first > now) {
                break;
            }
            if (which == 0) {
                c.attemptAt(s, 0);
                if (c.has(s, Connections.F_DELETE_PENDING)) {
                    remove(s, CloseReason.CLOSED);
                    return;
                }
                if (c.has(s, Connections.F_SECOND_EXPIRE)) {
                    long next = tcp.expireTimer(s, now);
                    if (next == Tcp.REMOVE) {
                        remove(s, anyClosed(s) ? CloseReason.CLOSED : CloseReason.INACTIVITY_TIMEOUT);
                        return;
                    }
                    c.attemptAt(s, next);
                    c.set(s, Connections.F_SECOND_EXPIRE, next != 0);
                } else if (tcp.attemptTimer(s)) {
                    remove(s, CloseReason.INACTIVITY_TIMEOUT);
                    return;
                }
            } else if (which == 3) {
                // progress hook: a snapshot for the listeners, then the next age (ProgressAges)
                sink.connectionProgress(record(s, CloseReason.STILL_OPEN));
                c.progressAt(s, progress.next(c.start(s), prog));
            } else if (which == 1) {
                c.expireAt(s, 0);
                long next = tcp.expireTimer(s, now);
                if (next == Tcp.REMOVE) {
                    remove(s, anyClosed(s) ? CloseReason.CLOSED : CloseReason.INACTIVITY_TIMEOUT);
                    return;
                }
                c.expireAt(s, next);
            } else {
                remove(s, CloseReason.INACTIVITY_TIMEOUT);
                return;
            }
        }
        rearm(s);
    }

    private boolean anyClosed(int s) {
        return c.epHas(c.tcpEndpoint(s, 0), Connections.E_DID_CLOSE)
                || c.epHas(c.tcpEndpoint(s, 1), Connections.E_DID_CLOSE);
    }

    private long inactivityDeadline(int s) {
        return Tcp.plus(c.last(s), timeouts[c.timeoutIndex(s)]);
    }

    /** Files a connection's timer by its earliest deadline, which may have moved earlier. */
    private void rearm(int s) {
        c.takeRearm(s);
        wheel.schedule(s, earliestDeadline(s));
    }

    /**
     * The earliest of a live connection's deadlines, read from its row: what the wheel files and
     * fires its timer by (a packet that moves only the last packet time moves it later, and the
     * wheel needs no word of its own for it; see {@link TimerWheel}).
     */
    private long earliestDeadline(int s) {
        long d = inactivityDeadline(s);
        long att = c.attemptAt(s);
        if (att != 0 && att < d) {
            d = att;
        }
        long exp = c.expireAt(s);
        if (exp != 0 && exp < d) {
            d = exp;
        }
        long prog = c.progressAt(s);
        if (prog != 0 && prog < d) {
            d = prog;
        }
        return d;
    }

    // ------------------------------------------------------------ look-ahead

    /**
     * Returns the connection table's hash of a key read by {@link KeyPeek}, as {@link #process}
     * keys a TCP or UDP packet.
     *
     * @param k a key
     * @return the hash, for {@link #lookAhead}
     */
    long keyHash(KeyPeek k) {
        return table.keyHash(k.proto, k.srcHi, k.srcLo, k.srcPort, k.dstHi, k.dstLo, k.dstPort);
    }

    /**
     * Loads, without changing anything, the state that processing packets with these key
     * hashes will read: their index entries, then their connections' rows, then their TCP rows.
     * Each step issues the loads of all the keys before it needs any of
     * them, so their cache misses overlap (see {@link LookAhead}).
     *
     * @param hashes {@link #keyHash}es computed since the table last grew
     * @param slots  scratch, at least {@code n} long
     * @param n      how many hashes
     */
    void lookAhead(long[] hashes, int[] slots, int n) {
        for (int j = 0; j < n; j++) {
            slots[j] = table.probe(hashes[j]);
        }
        long sum = 0;
        for (int j = 0; j < n; j++) {
            int s = slots[j];
            if (s >= 0) {
                sum += c.peekRow(s);
            }
        }
        for (int j = 0; j < n; j++) {
            int s = slots[j];
            if (s >= 0) {
                sum += c.peekTcp(s);
            }
        }
        lookAheadSum = sum;
    }

    // --------------------------------------------------------------- packets

    /**
     * Processes one decoded packet. Call {@link #advance} with its time first.
     *
     * @param v the packet
     */
    public void process(PacketView v) {
        int proto = v.ipProto;
        int kind;
        int sp;
        int dp;
        int keyProto = proto;
        if (proto == 6) {
            kind = TCP;
            sp = v.srcPort;
            dp = v.dstPort;
        } else if (proto == 17) {
            kind = UDP;
            sp = v.srcPort;
            dp = v.dstPort;
        } else if ((proto == 1 || proto == 58) && v.icmpType >= 0) {
            kind = ICMP;
            sp = v.icmpType;
            int counterpart = proto == 1 ? icmp4Counterpart(v.icmpType) : icmp6Counterpart(v.icmpType);
            if (counterpart < 0) {
                dp = v.icmpCode;
                keyProto |= ConnectionTable.ONE_WAY;
            } else {
                dp = counterpart;
            }
        } else {
            kind = OTHER;
            sp = 0;
            dp = 0;
        }
        int s = table.find(keyProto, v.srcHi, v.srcLo, sp, v.dstHi, v.dstLo, dp);
        if (s >= 0 && kind == TCP && tcp.isReuse(s, v.tcpFlags, v.seq)) {
            remove(s, CloseReason.REUSED);
            s = -1;
        }
        if (s < 0 && pending != null && kind == TCP) {
            int p = pending.find(v);
            if (p >= 0) {
                promotions++;
                promote(p, false);
                pendingGauge.occupancy(pending.size());
                s = table.find(keyProto, v.srcHi, v.srcLo, sp, v.dstHi, v.dstLo, dp);
                if (s >= 0 && tcp.isReuse(s, v.tcpFlags, v.seq)) { // as if the entry had been full all along
                    remove(s, CloseReason.REUSED);
                    s = -1;
                }
            } else if (encapKey == 0 && pending.accepts(v)) {
                if (pending.isAtBound()) {
                    evicted++;
                    remove(promote(pending.evictionCandidate(), true), CloseReason.EVICTED);
                    pendingGauge.evicted(v.timestampNanos);
                }
                pending.insert(v, uidCounter);
                uidCounter += uidStep;
                created++;
                lastSlot = -1;
                return;
            }
        }
        handle(v, kind, proto, keyProto, sp, dp, s, -1, false);
    }

    /**
     * Runs a packet through the table and the protocol state machine.
     *
     * @param s     the packet's slot, or -1 to create the connection
     * @param uid   the uid number of a connection created now, or -1 for the next one
     * @param spare whether creating may use the spare slot (a pending entry leaving)
     * @return the slot
     */
    private int handle(PacketView v, int kind, int proto, int keyProto, int sp, int dp, int s, long uid,
            boolean spare) {
        long t = v.timestampNanos;
        int side;
        boolean created = s < 0;
        if (s < 0) {
            s = create(kind, keyProto, v, sp, dp, t, uid, spare);
            side = table.lastLookupForward() ? 0 : 1;
        } else {
            side = table.lastLookupForward() ? 0 : 1;
        }
        if (created) {
            tunnels.start(s, encapKey, encapInner);
        } else if (tunnels.seen(s, encapKey, encapInner)) {
            c.checkHistory(s, Tunnels.HIST_LIMIT, 'X');
        }
        lastSlot = s;
        lastUid = c.uidNumber(s);
        lastRespPort = c.origSide(s) == 0 ? table.bPort(s) : table.aPort(s);
        int e = 2 * s + side;
        switch (kind) {
            case TCP:
                if (v.transportTruncated) {
                    break;
                }
                if (v.badChecksum) {
                    tcp.badChecksum(s, side);
                    break;
                }
                tcp.packet(s, side, t, v.tcpFlags, (int) v.seq, (int) v.ack, v.window, v.payloadLength,
                        v.payloadCaptured >= v.payloadLength);
                count(e, v);
                if (c.has(s, Connections.F_ESTABLISHED_EVENT)) {
                    c.set(s, Connections.F_ESTABLISHED_EVENT, false);
                    established(s);
                }
                break;
            case UDP: {
                boolean orig = c.isOrigSide(s, side);
                if (v.badChecksum) {
                    c.udpBadChecksum(e, orig ? 'C' : 'c');
                    break;
                }
                c.last(s, t);
                c.checkHistory(s, orig ? 1 : 2, orig ? 'D' : 'd');
                c.addPayload(e, v.payloadLength);
                count(e, v);
                break;
            }
            case ICMP:
                if (v.badChecksum) {
                    break;
                }
                c.last(s, t);
                c.addPayload(e, v.payloadLength);
                if (v.payloadCaptured >= v.payloadLength) {
                    count(e, v);
                }
                if ((proto == 1 && v.icmpType == 3) || (proto == 58 && v.icmpType == 1)) {
                    sink.icmpUnreachable(v);
                }
                break;
            default:
                c.last(s, t);
                count(e, v);
                break;
        }
        // lazy timers: only a packet that may have moved a deadline earlier touches the wheel
        if ((c.takeRearm(s) || created) && table.isLive(s)) {
            rearm(s);
        }
        return s;
    }

    // ------------------------------------------------------------ compressor

    /**
     * Replays a pending entry's packet into the full table, with the uid it was given.
     *
     * @param p     the pending slot
     * @param spare whether the spare slot may be used instead of evicting
     * @return the full slot
     */
    private int promote(int p, boolean spare) {
        long uid = pending.take(p, replay);
        long key = encapKey;
        long inner = encapInner;
        encapKey = 0; // only packets outside tunnels are kept pending
        encapInner = 0;
        int s = handle(replay, TCP, 6, 6, replay.srcPort, replay.dstPort, -1, uid, spare);
        encapKey = key;
        encapInner = inner;
        return s;
    }

    /**
     * A pending entry's first deadline: it leaves through the ordinary timer code, or, when the
     * compressor's own timeout came first, as an inactive connection at once.
     */
    private void expirePending(int p, long deadline, long now) {
        pendingExpiries++;
        int slot = lastSlot;
        long uid = lastUid;
        int port = lastRespPort;
        int s = promote(p, true);
        pendingGauge.occupancy(pending.size());
        if (table.isLive(s)) {
            expired(s, deadline, now);
        }
        if (pendingCutShort && table.isLive(s)) {
            remove(s, CloseReason.INACTIVITY_TIMEOUT);
        }
        lastSlot = slot == s ? -1 : slot;
        lastUid = uid;
        lastRespPort = port;
    }

    // --------------------------------------------------------------- tunnels

    /** Starts a frame: the next packet processed is its outermost layer, in no tunnel. */
    public void beginFrame() {
        encapKey = 0;
        encapInner = 0;
        lastSlot = -1;
    }

    /**
     * Says that the layers processed from now on in this frame came through one more tunnel.
     *
     * @param uidNumber the tunnel's uid number: {@link #lastUid()} for a UDP tunnel, or
     *                  {@link #ipTunnelUid} for GRE and IP-in-IP
     */
    public void enterTunnel(long uidNumber) {
        encapKey = (encapKey + uidNumber + 1) * 0x9E37_79B9_7F4A_7C15L;
        if (encapKey == 0) {
            encapKey = 1;
        }
        encapInner = uidNumber;
    }

    /**
     * Returns whether the connection the last packet was counted in may be decapsulated: it
     * still exists and no bad tunnel header was seen on it.
     *
     * @return {@code true} if the last {@link #process}ed packet's connection may carry a tunnel
     */
    public boolean lastMayTunnel() {
        return lastSlot >= 0 && !tunnels.violated(lastSlot);
    }

    /** @return the uid number of the connection the last packet was counted in */
    public long lastUid() {
        return lastUid;
    }

    /** @return the responder port of the connection the last packet was counted in */
    public int lastRespPort() {
        return lastRespPort;
    }

    /** Records a bad tunnel header on the last packet's connection: Zeek decapsulates it no more. */
    public void lastViolatedTunnel() {
        if (lastSlot >= 0) {
            tunnels.markViolated(lastSlot);
        }
    }

    /** Records that the last packet's connection carried one tunnel too many: history 'X', as in Zeek. */
    public void lastTooDeep() {
        if (lastSlot >= 0) {
            c.checkHistory(lastSlot, Tunnels.HIST_LIMIT, 'X');
        }
    }

    /**
     * Returns the uid number of the IP tunnel (GRE or IP-in-IP) between the view's addresses,
     * in either direction; a new pair gets a new uid.
     *
     * @param v the outer packet
     * @return the uid number
     */
    public long ipTunnelUid(PacketView v) {
        long u = tunnels.ipTunnel(v.srcHi, v.srcLo, v.dstHi, v.dstLo, uidCounter);
        if (u == uidCounter) {
            uidCounter += uidStep;
        }
        return u;
    }

    private void count(int e, PacketView v) {
        c.countPacket(e, v.ipLength);
    }

    /** Zeek's base script reaction to {@code connection_established}: per-port inactivity timeouts. */
    private void established(int s) {
        int o = c.origSide(s);
        int respPort = o == 0 ? table.bPort(s) : table.aPort(s);
        int origPort = o == 0 ? table.aPort(s) : table.bPort(s);
        int service = respPort;
        if (c.state(c.tcpEndpoint(s, o)) == Connections.INACTIVE && !likely(likelyTcp, respPort) && likely(likelyTcp, origPort)) {
            service = origPort;
        }
        if (tcpPortTimeout[service] >= 0) {
            c.timeoutIndex(s, tcpPortTimeout[service]);
        }
    }

    private static boolean likely(long[] set, int port) {
        return (set[port >>> 6] & (1L << port)) != 0;
    }

    private int create(int kind, int keyProto, PacketView v, int sp, int dp, long t, long uid, boolean spare) {
        int limit = spare ? maxSlots : maxConnections;
        while (table.size() >= limit) {
            evicted++;
            remove(evictionVictim(), CloseReason.EVICTED);
            connectionGauge.evicted(t);
        }
        if (table.isFull()) {
            int cap = table.grow();
            c.grow(cap);
            tunnels.grow(cap);
            wheel.grow(cap);
            if (links != null) {
                links.grow(cap);
            }
        }
        int s = table.insert(keyProto, v.srcHi, v.srcLo, sp, v.dstHi, v.dstLo, dp);
        boolean srcIsA = table.lastLookupForward();
        int timeout;
        boolean flip = false;
        switch (kind) {
            case TCP: {
                timeout = T_UDP; // Zeek starts TCP connections on the UDP timeout until established
                int f = v.tcpFlags;
                if ((f & Tcp.SYN) == 0 || (f & Tcp.ACK) != 0) {
                    if (likely(likelyTcp, sp)) {
                        flip = likely(likelyTcp, dp) ? (f & Tcp.SYN) == 0 && sp < dp : true;
                    }
                }
                break;
            }
            case UDP:
                timeout = udpPortTimeout[flipPort(sp, dp, likelyUdp)] >= 0
                        ? udpPortTimeout[flipPort(sp, dp, likelyUdp)] : T_UDP;
                flip = likely(likelyUdp, sp) && !likely(likelyUdp, dp);
                break;
            case ICMP:
                timeout = T_ICMP;
                break;
            default:
                timeout = T_OTHER;
                break;
        }
        long number = uid >= 0 ? uid : uidCounter;
        if (c.uidEpochChanges(number)) {
            for (int x = 0; x < table.capacity(); x++) {
                if (x != s && table.isLive(x)) {
                    c.ageUids(x, number);
                }
            }
        }
        c.init(s, t, number, timeout, kind == TCP);
        if (uid < 0) {
            uidCounter += uidStep;
        }
        long firstProgress = progress.first(t);
        if (firstProgress != 0) {
            c.progressAt(s, firstProgress);
        }
        c.set(s, Connections.F_ORIG_IS_B, !srcIsA);
        if (flip && !isBroadcast(v.dstHi, v.dstLo)) {
            c.toggle(s, Connections.F_ORIG_IS_B);
            c.addHistory(s, '^');
        }
        if (kind == TCP) {
            c.expireAt(s, Tcp.plus(t, Tcp.SYN_TIMEOUT));
        }
        if (links != null && (kind != TCP || (v.tcpFlags & Tcp.SYN) == 0)) {
            // resume hook: a first packet without SYN may continue an expired connection
            links.created(s, t, table.ipProto(s), table.aHi(s), table.aLo(s), table.aPort(s), table.bHi(s),
                    table.bLo(s), table.bPort(s));
        }
        if (uid < 0) {
            created++;
        }
        peak = Math.max(peak, table.size());
        return s;
    }

    /** The responder port a new UDP flow will have after Zeek's flip rule. */
    private static int flipPort(int sp, int dp, long[] likelySet) {
        return likely(likelySet, sp) && !likely(likelySet, dp) ? sp : dp;
    }

    private static boolean isBroadcast(long hi, long lo) {
        return hi == 0 && lo == (PacketView.IPV4_MAPPED_PREFIX | 0xFFFF_FFFFL);
    }

    static int icmp4Counterpart(int type) {
        switch (type) {
            case 8: return 0;
            case 0: return 8;
            case 13: return 14;
            case 14: return 13;
            case 15: return 16;
            case 16: return 15;
            case 10: return 9;
            case 9: return 10;
            case 17: return 18;
            case 18: return 17;
            default: return -1;
        }
    }

    static int icmp6Counterpart(int type) {
        switch (type) {
            case 128: return 129;
            case 129: return 128;
            case 133: return 134;
            case 134: return 133;
            case 135: return 136;
            case 136: return 135;
            case 130: return 131;
            case 131: return 130;
            case 139: return 140;
            case 140: return 139;
            case 144: return 145;
            case 145: return 144;
            default: return -1;
        }
    }

    // --------------------------------------------------------------- removal

    /**
     * The connection a full table gives up: the one whose timer is due soonest (to within its
     * wheel bucket, {@link TimerWheel#earliest()}), so an unanswered attempt or a connection
     * that has closed goes before an established one, and among connections with the same
     * timeout and no handshake or close timer pending, the stalest.
     */
    private int evictionVictim() {
        int s = wheel.earliest();
        if (s < 0) {
            // every live connection has a timer; only a timer fired and not yet re-armed has none
            throw new IllegalStateException("connection table full with no timer pending");
        }
        return s;
    }

    private void remove(int s, CloseReason reason) {
        Connection record = retire(s, reason);
        wheel.cancel(s);
        table.remove(s);
        if (s == lastSlot) {
            lastSlot = -1;
        }
        sink.connectionRemoved(record);
        if (reason != CloseReason.EVICTED) {
            connectionGauge.occupancy(table.size());
        }
    }

    /**
     * Builds a connection's record and lets go of its state beside the table and the timer wheel
     * (remembered for resumption if it qualifies), which {@link #remove} and {@link #flush} then
     * take it out of, one at a time or all at once.
     */
    private Connection retire(int s, CloseReason reason) {
        Connection record = record(s, reason);
        if (links != null) {
            forRemoval(s, record);
        }
        c.release(s);
        tunnels.release(s);
        closed++;
        return record;
    }

    /**
     * Ends the input: removes every connection in Zeek's end-of-input order. Attempt timers run
     * first (Zeek expires timers marked for expiry at termination, and only the attempt timer
     * removes connections), in deadline order; the rest leave sorted by key, as Zeek drains its
     * session map when run with a fixed seed.
     */
    public void flush() {
        if (pending != null && pending.size() > 0) {
            flushPending();
        }
        int[] slots = new int[table.size()];
        int count = table.liveSlots(slots);
        int k = 0;
        int[] attempts = new int[count];
        for (int i = 0; i < count; i++) {
            int s = slots[i];
            if (c.attemptAt(s) != 0 && !c.has(s, Connections.F_DELETE_PENDING | Connections.F_SECOND_EXPIRE)) {
                attempts[k++] = s;
            }
        }
        // by deadline, then uid: each slot's two values read once, then an indirect radix sort
        long[] deadlines = new long[k];
        long[] uidNumbers = new long[k];
        int[] order = new int[k];
        for (int i = 0; i < k; i++) {
            deadlines[i] = c.attemptAt(attempts[i]);
            uidNumbers[i] = c.uidNumber(attempts[i]);
            order[i] = i;
        }
        LongArrays.radixSortIndirect(order, deadlines, uidNumbers, false);
        for (int i = 0; i < k; i++) {
            order[i] = attempts[order[i]]; // now the slots themselves, in that order
        }
        // the connections an attempt timer ends leave now but stay in the table and the wheel,
        // which are emptied at once below; a bit per slot says they are gone
        long[] gone = new long[(table.capacity() + 63) >>> 6];
        long sum = 0;
        for (int i = 0; i < k; i++) {
            sum += peekAhead(order, i, k);
            int s = order[i];
            if (tcp.attemptTimer(s)) {
                gone[s >>> 6] |= 1L << s;
                sink.connectionRemoved(retire(s, CloseReason.END_OF_INPUT));
            }
        }
        count = 0;
        int live = table.liveSlots(slots);
        for (int i = 0; i < live; i++) {
            int s = slots[i];
            if ((gone[s >>> 6] & (1L << s)) == 0) {
                slots[count++] = s;
            }
        }
        table.sortByKey(slots, count);
        // every connection leaves: records in key order, then table and timers emptied at once
        // (removing each from the index and the wheel would cost random reads apiece)
        for (int i = 0; i < count; i++) {
            sum += peekAhead(slots, i, count);
            sink.connectionRemoved(retire(slots[i], CloseReason.END_OF_INPUT));
        }
        lookAheadSum = sum;
        wheel.clear();
        table.clear();
        lastSlot = -1;
        connectionGauge.occupancy(0);
    }

    /**
     * Look-ahead for {@link #flush()}, which builds records in an order that visits the rows at
     * random: reads the row of the connection {@link #FLUSH_AHEAD} places after {@code i}, and the
     * TCP row and IPv6 key (found through the row, so read later) of the one half as far, so that
     * the cache misses of several records overlap instead of following one another.
     *
     * @return a sum of the words read, for the caller to keep
     */
    private long peekAhead(int[] slots, int i, int n) {
        long sum = 0;
        if (i + FLUSH_AHEAD < n) {
            sum += c.peekRow(slots[i + FLUSH_AHEAD]);
        }
        if (i + FLUSH_AHEAD / 2 < n) {
            int s = slots[i + FLUSH_AHEAD / 2];
            sum += c.peekTcp(s) + table.peekV6(s);
        }
        return sum;
    }

    /**
     * Moves the pending entries into the full table for {@link #flush()}: all at once when they
     * fit in the slots already allocated, so the end-of-input order is exactly the uncompressed
     * one; otherwise one at a time through the spare slot, each running its attempt timer at once
     * as the end of input would (same records, pending ones first), so that a large pending table
     * never makes the full table grow at the end.
     */
    private void flushPending() {
        int[] slots = pending.slotsByUid();
        boolean fit = table.size() + slots.length <= Math.min(maxConnections, table.capacity());
        for (int p : slots) {
            pendingExpiries++;
            int s = promote(p, !fit);
            if (!fit && table.isLive(s) && c.attemptAt(s) != 0 && !c.has(s, Connections.F_DELETE_PENDING)
                    && tcp.attemptTimer(s)) {
                remove(s, CloseReason.END_OF_INPUT);
            }
        }
    }

    // --------------------------------------------------------------- records

    private Connection record(int s, CloseReason reason) {
        int o = c.origSide(s);
        int oe = 2 * s + o;
        int re = oe ^ 1;
        long oHi = o == 0 ? table.aHi(s) : table.bHi(s);
        long oLo = o == 0 ? table.aLo(s) : table.bLo(s);
        long rHi = o == 0 ? table.bHi(s) : table.aHi(s);
        long rLo = o == 0 ? table.bLo(s) : table.aLo(s);
        int oPort = o == 0 ? table.aPort(s) : table.bPort(s);
        int rPort = o == 0 ? table.bPort(s) : table.aPort(s);
        int ipProto = table.ipProto(s);
        Protocol protocol;
        String history = c.history(s);
        ConnState state;
        long origBytes;
        long respBytes;
        if (ipProto == 6) {
            protocol = Protocol.TCP;
            state = tcp.connState(s, history);
            origBytes = tcp.size(c.tcpEndpoint(s, o));
            respBytes = tcp.size(c.tcpEndpoint(s, o ^ 1));
        } else if (ipProto == 17 || ((ipProto == 1 || ipProto == 58))) {
            protocol = ipProto == 17 ? Protocol.UDP : Protocol.ICMP;
            boolean oa = c.sent(oe);
            boolean ra = c.sent(re);
            if (ipProto == 17) {
                state = oa ? (ra ? ConnState.SF : ConnState.S0) : (ra ? ConnState.SHR : ConnState.OTH);
            } else {
                state = ConnState.OTH;
            }
            origBytes = c.payloadBytes(oe);
            respBytes = c.payloadBytes(re);
        } else {
            protocol = Protocol.UNKNOWN_TRANSPORT;
            state = ConnState.OTH;
            origBytes = 0;
            respBytes = 0;
        }
        String resumedFrom = null;
        Connection.Session session = null;
        if (links != null && links.isContinuation(s)) {
            measure(s);
            resumedFrom = links.resumedFrom(s);
            session = links.session(s, o);
        }
        return new Connection(uids.uid(c.uidNumber(s)), c.start(s), address(oHi, oLo), oPort, address(rHi, rLo),
                rPort, protocol, ipProto, null, Math.max(0, c.last(s) - c.start(s)), origBytes, respBytes, state,
                localNets.contains(oHi, oLo), localNets.contains(rHi, rLo), c.missedBytes(s), history,
                c.packets(oe), c.ipBytes(oe), c.packets(re),
                c.ipBytes(re), tunnelParents(s), reason, resumedFrom, session);
    }

    /**
     * Resume hook at removal: remembers a connection that may be resumed (see
     * {@link SessionLinks}: inactivity or eviction, not an unanswered TCP attempt), or forgets
     * its link.
     */
    private void forRemoval(int s, Connection record) {
        CloseReason reason = record.closeReason();
        boolean remember = (reason == CloseReason.INACTIVITY_TIMEOUT || reason == CloseReason.EVICTED)
                && !(record.protocol() == Protocol.TCP && record.state() == ConnState.S0);
        if (!remember) {
            links.release(s);
            return;
        }
        if (!links.isContinuation(s)) {
            measure(s);
        }
        links.remember(s, table.ipProto(s), table.aHi(s), table.aLo(s), table.aPort(s), table.bHi(s), table.bLo(s),
                table.bPort(s), c.uidNumber(s), c.start(s), c.last(s), c.origSide(s));
    }

    /** Fills {@link SessionLinks}' part fields with the connection's counts by key side. */
    private void measure(int s) {
        int ipProto = table.ipProto(s);
        for (int x = 0; x < 2; x++) {
            int e = 2 * s + x;
            long pkts = c.packets(e);
            links.partPackets[x] = pkts;
            links.partSeqKnown[x] = ipProto == 6 && pkts > 0;
            if (ipProto == 6) {
                links.partBytes[x] = tcp.size(c.tcpEndpoint(s, x));
                links.partFirstSeq[x] = tcp.firstDataSeq(c.tcpEndpoint(s, x));
            } else if (ipProto == 17 || ipProto == 1 || ipProto == 58) {
                links.partBytes[x] = c.payloadBytes(e);
            } else {
                links.partBytes[x] = 0;
            }
        }
    }

    private List<String> tunnelParents(int s) {
        int n = tunnels.parentCount(s);
        if (n == 0) {
            return List.of();
        }
        String[] p = new String[n];
        for (int i = 0; i < n; i++) {
            p[i] = uids.uid(tunnels.parent(s, i));
        }
        return List.of(p);
    }

    private static InetAddress address(long hi, long lo) {
        try {
            if (PacketView.isIpv4(hi, lo)) {
                int a = (int) lo;
                return InetAddress.getByAddress(new byte[] {(byte) (a >>> 24), (byte) (a >>> 16), (byte) (a >>> 8),
                    (byte) a});
            }
            byte[] b = new byte[16];
            for (int i = 0; i < 8; i++) {
                b[i] = (byte) (hi >>> (56 - 8 * i));
                b[8 + i] = (byte) (lo >>> (56 - 8 * i));
            }
            return InetAddress.getByAddress(b);
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    // ----------------------------------------------------------------- stats

    /** @return connections created */
    public long created() {
        return created;
    }

    /** @return records produced */
    public long closed() {
        return closed;
    }

    /** @return connections evicted at the bound */
    public long evicted() {
        return evicted;
    }

    /** @return connections tracked now */
    public int active() {
        return table.size() + pendingActive();
    }

    /** @return connections pending in the compressor now */
    public int pendingActive() {
        return pending == null ? 0 : pending.size();
    }

    /** @return the most connections pending at once */
    public long pendingPeak() {
        return pending == null ? 0 : pending.peak();
    }

    /** @return pending connections promoted by a second packet */
    public long promotions() {
        return promotions;
    }

    /** @return pending connections that left when their timers fired or at end of input */
    public long pendingExpiries() {
        return pendingExpiries;
    }

    /** @return pending connections evicted at the compressor's bound */
    public long pendingEvictions() {
        return pendingGauge == null ? 0 : pendingGauge.evictions();
    }

    /** @return full connections evicted at the table's bound (pending ones not included) */
    public long connectionEvictions() {
        return connectionGauge.evictions();
    }

    /** @return times the connection table started evicting */
    public long connectionBoundReached() {
        return connectionGauge.reached();
    }

    /** @return times the pending table started evicting */
    public long pendingBoundReached() {
        return pendingGauge == null ? 0 : pendingGauge.reached();
    }

    /** @return records linked to the record they continue (0 when linking is off) */
    public long resumeLinks() {
        return links == null ? 0 : links.links();
    }

    /** @return remembered expired connections dropped at the resume capacity */
    public long resumeDropped() {
        return links == null ? 0 : links.dropped();
    }

    /** @return remembered expired connections forgotten after the resume horizon */
    public long resumeExpired() {
        return links == null ? 0 : links.expired();
    }

    /** @return the most connections tracked at once */
    public long peak() {
        return peak;
    }
}
