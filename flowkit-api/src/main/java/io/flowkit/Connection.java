package io.flowkit;

import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * One connection record, with the fields and meaning of a row of Zeek's {@code conn.log}.
 *
 * <p>"Originator" is the endpoint that opened the connection: the sender of the first packet,
 * unless Zeek's rules flip the direction (a SYN-ACK seen first, or a first packet sent from a
 * likely server port to a port that is not one; {@code ^} in {@link #history()}). For ICMP the
 * ports are the ICMP type (originator) and the counterpart type or the code (responder); for
 * other IP protocols both ports are 0.
 *
 * <p>Instances are immutable and created once per connection, never per packet.
 *
 * <p><b>Resumed connections.</b> With {@link FlowTracker.Builder#linkResumed(Duration)}, a
 * record that continues a session split by an idle gap names the record before it in
 * {@link #resumedFrom()} and carries the session's running totals in {@link #session()}; both
 * are {@code null} otherwise (and always without that option).
 *
 * @param uid           unique id of the connection: {@code C} followed by base62 digits
 * @param startNanos    time of the connection's first packet, nanoseconds since the Unix epoch
 * @param origAddress   originator address
 * @param origPort      originator port (ICMP: type)
 * @param respAddress   responder address
 * @param respPort      responder port (ICMP: counterpart type, or code)
 * @param protocol      transport protocol
 * @param ipProto       IP protocol number from the header (6, 17, 1, 58, 132, ...)
 * @param service       protocols confirmed by an application analyzer, comma separated, or
 *                      {@code null} when none was (flowkit's core does not identify services)
 * @param durationNanos last packet time minus first packet time; 0 for a single packet
 * @param origBytes     originator payload bytes (TCP: from sequence numbers)
 * @param respBytes     responder payload bytes
 * @param state         the connection's state, Zeek's {@code conn_state}
 * @param localOrig     whether the originator is inside the tracker's local networks
 * @param localResp     whether the responder is inside the tracker's local networks
 * @param missedBytes   bytes the TCP sequence numbers show as never seen (content gaps)
 * @param history       Zeek's history letters: upper case for the originator, lower case for the
 *                      responder; empty if no letter applies
 * @param origPackets   packets sent by the originator
 * @param origIpBytes   IP-level bytes (IP total lengths) sent by the originator
 * @param respPackets   packets sent by the responder
 * @param respIpBytes   IP-level bytes sent by the responder
 * @param tunnelParents uids of the tunnel connections this connection was carried in; empty when
 *                      it was not tunnelled
 * @param closeReason   why the tracker produced the record
 * @param resumedFrom   uid of the record this one continues, or {@code null} when it is not a
 *                      continuation
 * @param session       totals of the logical session up to and including this record, or
 *                      {@code null} when it is not a continuation
 */
public record Connection(
        String uid,
        long startNanos,
        InetAddress origAddress,
        int origPort,
        InetAddress respAddress,
        int respPort,
        Protocol protocol,
        int ipProto,
        String service,
        long durationNanos,
        long origBytes,
        long respBytes,
        ConnState state,
        boolean localOrig,
        boolean localResp,
        long missedBytes,
        String history,
        long origPackets,
        long origIpBytes,
        long respPackets,
        long respIpBytes,
        List<String> tunnelParents,
        CloseReason closeReason,
        String resumedFrom,
        Session session) {

    /**
     * The running totals of a logical session that idle gaps split into several records (see
     * {@link FlowTracker.Builder#linkResumed(Duration)}), up to and including the record that
     * carries them. They are in the session's orientation: "originator" is the originator of
     * the session's first record, which may be this record's responder ({@link #reversed()}).
     * Packet totals are sums; TCP byte totals follow sequence numbers, so they equal what one
     * record spanning the whole session would report.
     *
     * @param firstUid     uid of the session's first record
     * @param startNanos   time of the session's first packet, nanoseconds since the Unix epoch
     * @param origPackets  packets the session's originator sent
     * @param origBytes    payload bytes the session's originator sent
     * @param respPackets  packets the session's responder sent
     * @param respBytes    payload bytes the session's responder sent
     * @param parts        records of the session so far, this one included (at least 2)
     * @param reversed     whether this record's originator is the session's responder
     */
    public record Session(String firstUid, long startNanos, long origPackets, long origBytes, long respPackets,
                          long respBytes, int parts, boolean reversed) {

        /**
         * Creates the totals, validating them.
         *
         * @param firstUid uid of the session's first record
         * @param startNanos time of the session's first packet, nanoseconds since the Unix epoch
         * @param origPackets packets the session's originator sent
         * @param origBytes payload bytes the session's originator sent
         * @param respPackets packets the session's responder sent
         * @param respBytes payload bytes the session's responder sent
         * @param parts records of the session so far, this one included (at least 2)
         * @param reversed whether this record's originator is the session's responder
         * @throws NullPointerException if {@code firstUid} is null
         * @throws IllegalArgumentException if a count is negative or {@code parts} below 2
         */
        public Session {
            Objects.requireNonNull(firstUid, "firstUid");
            if (origPackets < 0 || origBytes < 0 || respPackets < 0 || respBytes < 0 || parts < 2) {
                throw new IllegalArgumentException("bad session totals of " + firstUid);
            }
        }

        /**
         * Returns the time of the session's first packet.
         *
         * @return {@link #startNanos()} as an instant
         */
        public Instant start() {
            return Instant.ofEpochSecond(0, startNanos);
        }
    }

    /**
     * Creates a record that continues no earlier record: {@link #resumedFrom()} and
     * {@link #session()} are {@code null}.
     *
     * @param uid unique id of the connection: {@code C} followed by base62 digits
     * @param startNanos time of the connection's first packet, nanoseconds since the Unix epoch
     * @param origAddress originator address
     * @param origPort originator port (ICMP: type)
     * @param respAddress responder address
     * @param respPort responder port (ICMP: counterpart type, or code)
     * @param protocol transport protocol
     * @param ipProto IP protocol number from the header (6, 17, 1, 58, 132, ...)
     * @param service protocols confirmed by an application analyzer, comma separated, or {@code null}
     * @param durationNanos last packet time minus first packet time; 0 for a single packet
     * @param origBytes originator payload bytes (TCP: from sequence numbers)
     * @param respBytes responder payload bytes
     * @param state the connection's state, Zeek's {@code conn_state}
     * @param localOrig whether the originator is inside the tracker's local networks
     * @param localResp whether the responder is inside the tracker's local networks
     * @param missedBytes bytes the TCP sequence numbers show as never seen (content gaps)
     * @param history Zeek's history letters; empty if no letter applies
     * @param origPackets packets sent by the originator
     * @param origIpBytes IP-level bytes (IP total lengths) sent by the originator
     * @param respPackets packets sent by the responder
     * @param respIpBytes IP-level bytes sent by the responder
     * @param tunnelParents uids of the tunnel connections this connection was carried in
     * @param closeReason why the tracker produced the record
     * @throws NullPointerException if a required component is null
     * @throws IllegalArgumentException if a component is out of range
     */
    public Connection(String uid, long startNanos, InetAddress origAddress, int origPort, InetAddress respAddress,
                      int respPort, Protocol protocol, int ipProto, String service, long durationNanos,
                      long origBytes, long respBytes, ConnState state, boolean localOrig, boolean localResp,
                      long missedBytes, String history, long origPackets, long origIpBytes, long respPackets,
                      long respIpBytes, List<String> tunnelParents, CloseReason closeReason) {
        this(uid, startNanos, origAddress, origPort, respAddress, respPort, protocol, ipProto, service,
                durationNanos, origBytes, respBytes, state, localOrig, localResp, missedBytes, history, origPackets,
                origIpBytes, respPackets, respIpBytes, tunnelParents, closeReason, null, null);
    }

    /**
     * Creates the record, validating its components.
     *
     * @param uid unique id of the connection: {@code C} followed by base62 digits
     * @param startNanos time of the connection's first packet, nanoseconds since the Unix epoch
     * @param origAddress originator address
     * @param origPort originator port (ICMP: type)
     * @param respAddress responder address
     * @param respPort responder port (ICMP: counterpart type, or code)
     * @param protocol transport protocol
     * @param ipProto IP protocol number from the header (6, 17, 1, 58, 132, ...)
     * @param service protocols confirmed by an application analyzer, comma separated, or {@code null} when none was (flowkit's core does not identify services)
     * @param durationNanos last packet time minus first packet time; 0 for a single packet
     * @param origBytes originator payload bytes (TCP: from sequence numbers)
     * @param respBytes responder payload bytes
     * @param state the connection's state, Zeek's {@code conn_state}
     * @param localOrig whether the originator is inside the tracker's local networks
     * @param localResp whether the responder is inside the tracker's local networks
     * @param missedBytes bytes the TCP sequence numbers show as never seen (content gaps)
     * @param history Zeek's history letters: upper case for the originator, lower case for the responder; empty if no letter applies
     * @param origPackets packets sent by the originator
     * @param origIpBytes IP-level bytes (IP total lengths) sent by the originator
     * @param respPackets packets sent by the responder
     * @param respIpBytes IP-level bytes sent by the responder
     * @param tunnelParents uids of the tunnel connections this connection was carried in; empty when it was not tunnelled
     * @param closeReason why the tracker produced the record
     * @param resumedFrom uid of the record this one continues, or {@code null} when it is not a continuation
     * @param session totals of the logical session up to and including this record, or {@code null} when it is not a continuation
     * @throws NullPointerException if a required component is null
     * @throws IllegalArgumentException if a component is out of range, or exactly one of
     *                                  {@code resumedFrom} and {@code session} is null
     */
    public Connection {
        Objects.requireNonNull(uid, "uid");
        Objects.requireNonNull(origAddress, "origAddress");
        Objects.requireNonNull(respAddress, "respAddress");
        Objects.requireNonNull(protocol, "protocol");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(history, "history");
        Objects.requireNonNull(closeReason, "closeReason");
        tunnelParents = List.copyOf(tunnelParents);
        if (origPort < 0 || origPort > 0xFFFF || respPort < 0 || respPort > 0xFFFF) {
            throw new IllegalArgumentException("port out of range: " + origPort + " / " + respPort);
        }
        if (durationNanos < 0 || origBytes < 0 || respBytes < 0 || missedBytes < 0 || origPackets < 0
                || origIpBytes < 0 || respPackets < 0 || respIpBytes < 0) {
            throw new IllegalArgumentException("negative duration or count in connection " + uid);
        }
        if ((resumedFrom == null) != (session == null)) {
            throw new IllegalArgumentException("resumedFrom and session go together in connection " + uid);
        }
    }

    /**
     * Returns the time of the first packet.
     *
     * @return {@link #startNanos()} as an instant
     */
    public Instant start() {
        return Instant.ofEpochSecond(0, startNanos);
    }

    /**
     * Returns the connection's duration.
     *
     * @return {@link #durationNanos()} as a duration
     */
    public Duration duration() {
        return Duration.ofNanos(durationNanos);
    }
}
