package io.flowkit.core.internal.engine;

import io.flowkit.core.internal.decode.Decoder;
import io.flowkit.core.internal.decode.PacketView;

/**
 * Runs one decoded frame through an engine, layer by layer: the outer packet is counted in its
 * connection, and while it carries a tunnel the decoder takes one encapsulation off and the inner
 * packet is counted in its own connection, with the outer connection as its tunnel parent (Zeek's
 * {@code tunnel_parents}). Shared by the single-threaded and the sharded tracker so both track
 * tunnels the same way.
 */
final class Layers {
    private Layers() {
    }

    /**
     * Processes the packet in {@code view} and every packet tunnelled inside it.
     *
     * @param decoder the decoder that filled {@code view}; it takes the tunnel layers off
     * @param engine  the engine that tracks the packets' connections
     * @param view    a decoded frame
     */
    static void process(Decoder decoder, Engine engine, PacketView view) {
        engine.beginFrame();
        while (layer(decoder, engine, view)) {
            // each layer the decoder takes off consumes bytes of the frame, so this ends
        }
    }

    /**
     * Processes the packet in the view and, if it is a tunnel, takes one layer off.
     *
     * @return {@code true} if the view now holds an inner packet to process
     */
    private static boolean layer(Decoder decoder, Engine engine, PacketView view) {
        int kind;
        long parent;
        boolean udp = view.tunnel != PacketView.TUNNEL_IP;
        if (udp) {
            engine.process(view);
            if (view.tunnel != PacketView.TUNNEL_UDP || view.badChecksum || !engine.lastMayTunnel()) {
                return false;
            }
            kind = decoder.udpTunnel(view, engine.lastRespPort());
            if (kind == Decoder.NOT_A_TUNNEL) {
                return false;
            }
            parent = kind == Decoder.GRE ? engine.ipTunnelUid(view) : engine.lastUid();
        } else {
            kind = Decoder.ipTunnel(view);
            parent = engine.ipTunnelUid(view);
        }
        switch (decoder.decapsulate(view, kind)) {
            case Decoder.DECAPSULATED:
                engine.enterTunnel(parent);
                return true;
            case Decoder.VIOLATION:
                if (udp && kind != Decoder.GTPV1 && kind != Decoder.GRE) {
                    engine.lastViolatedTunnel();
                }
                return false;
            case Decoder.TOO_DEEP:
                if (udp) {
                    engine.lastTooDeep();
                }
                return false;
            default:
                return false;
        }
    }
}
