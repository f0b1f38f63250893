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
        CloseReason closeReason) {

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
     * @throws NullPointerException if a required component is null
     * @throws IllegalArgumentException if a component is out of range
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
