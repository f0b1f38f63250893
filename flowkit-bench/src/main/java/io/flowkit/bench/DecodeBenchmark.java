package io.flowkit.bench;

import io.flowkit.LinkType;
import io.flowkit.core.internal.decode.Decoder;
import io.flowkit.core.internal.decode.PacketView;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Cost of decoding one frame: ns/packet, and B/packet with {@code -prof gc}
 * ({@code gc.alloc.rate.norm} divided by {@value #FRAMES}).
 *
 * <p>The mix is {@value #FRAMES} generated Ethernet frames: 80% IPv4, 20% IPv6; 60% TCP, 30% UDP,
 * 10% ICMP/ICMPv6; one in five behind a VLAN tag; payloads of 0 to 1,400 bytes, all with valid
 * checksums. {@code decode} verifies every checksum; {@code decodeIgnoringChecksums} does not
 * (Zeek's {@code -C}); {@code baselineFiveTuple} is the floor to compare against in the same run:
 * a bare IPv4/IPv6 5-tuple read with no validation at all.
 *
 * <p>{@code decapsulate} decodes the same packets each wrapped in one tunnel over IPv4 (a
 * quarter each VXLAN, GRE, GTPv1-U and IP-in-IP) and takes the tunnel off, checksums verified:
 * the difference to {@code decode} is the cost of one tunnel layer.
 *
 * <p>Run it with:
 * <pre>{@code
 * mvn -B -q -pl flowkit-bench -am package -DskipTests
 * java -jar flowkit-bench/target/benchmarks.jar DecodeBenchmark -prof gc
 * }</pre>
 * A short run: add {@code -f 1 -wi 2 -i 3 -w 1s -r 1s}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class DecodeBenchmark {
    static final int FRAMES = 1024;

    private ByteBuffer[] frames;
    private ByteBuffer[] tunnelled;
    private Decoder verifying;
    private Decoder ignoring;
    private final PacketView view = new PacketView();

    /** Builds the frame mix with a fixed seed. */
    @Setup
    public void setUp() {
        List<ByteBuffer> list = new ArrayList<>();
        List<ByteBuffer> tunnels = new ArrayList<>();
        for (byte[][] f : frameMix()) {
            list.add(ByteBuffer.wrap(f[0]));
            tunnels.add(ByteBuffer.wrap(f[1]));
        }
        frames = list.toArray(new ByteBuffer[0]);
        tunnelled = tunnels.toArray(new ByteBuffer[0]);
        verifying = new Decoder(false, List.of(), Decoder.DEFAULT_FRAGMENT_MEMORY_BYTES, Decoder.DEFAULT_FRAGMENT_TIMEOUT);
        ignoring = new Decoder(true, List.of(), Decoder.DEFAULT_FRAGMENT_MEMORY_BYTES, Decoder.DEFAULT_FRAGMENT_TIMEOUT);
        for (ByteBuffer f : frames) {
            if (!verifying.decode(0, LinkType.ETHERNET, f, 0, f.limit(), f.limit(), view) || view.badChecksum) {
                throw new IllegalStateException("generated frame does not decode cleanly");
            }
        }
        if (runTunnelled(verifying, true) != 0) {
            throw new IllegalStateException("generated tunnelled frame does not decapsulate cleanly");
        }
    }

    /**
     * Full decode with checksum verification.
     *
     * @return a value derived from the views, so the work is not eliminated
     */
    @Benchmark
    @OperationsPerInvocation(FRAMES)
    public long decode() {
        return run(verifying);
    }

    /**
     * Full decode without checksum verification.
     *
     * @return a value derived from the views
     */
    @Benchmark
    @OperationsPerInvocation(FRAMES)
    public long decodeIgnoringChecksums() {
        return run(ignoring);
    }

    /**
     * Full decode of tunnelled frames with checksum verification, tunnel layer taken off.
     *
     * @return a value derived from the inner views
     */
    @Benchmark
    @OperationsPerInvocation(FRAMES)
    public long decapsulate() {
        return runTunnelled(verifying, false);
    }

    /**
     * Baseline: reads an Ethernet (optionally VLAN) IPv4/IPv6 5-tuple, trusting every byte.
     *
     * @return a value derived from the tuples
     */
    @Benchmark
    @OperationsPerInvocation(FRAMES)
    public long baselineFiveTuple() {
        long acc = 0;
        for (ByteBuffer f : frames) {
            int p = 12;
            int type = f.getShort(p) & 0xFFFF;
            p += 2;
            if (type == 0x8100) {
                type = f.getShort(p + 2) & 0xFFFF;
                p += 4;
            }
            int tp;
            if (type == 0x0800) {
                acc += f.getInt(p + 12) ^ f.getInt(p + 16) ^ f.get(p + 9);
                tp = p + (f.get(p) & 0x0F) * 4;
            } else {
                acc += f.getLong(p + 8) ^ f.getLong(p + 16) ^ f.getLong(p + 24) ^ f.getLong(p + 32) ^ f.get(p + 6);
                tp = p + 40;
            }
            acc += f.getInt(tp);
        }
        return acc;
    }

    /**
     * Generates the frame mix with a fixed seed: for each of {@value #FRAMES} packets, the
     * Ethernet frame and the same packet in a tunnel.
     *
     * @return pairs of frame and tunnelled frame
     */
    static List<byte[][]> frameMix() {
        SplittableRandom rnd = new SplittableRandom(7);
        List<byte[][]> mix = new ArrayList<>();
        for (int i = 0; i < FRAMES; i++) {
            boolean v6 = rnd.nextInt(5) == 0;
            int kind = rnd.nextInt(10);
            int proto = kind < 6 ? 6 : kind < 9 ? 17 : v6 ? 58 : 1;
            int payload = rnd.nextInt(4) == 0 ? 0 : rnd.nextInt(1400);
            byte[] l4 = transport(proto, rnd, payload);
            byte[] src = address(v6, rnd);
            byte[] dst = address(v6, rnd);
            fillChecksum(proto, src, dst, l4);
            byte[] ip = v6 ? ipv6(proto, src, dst, l4) : ipv4(proto, src, dst, l4);
            boolean vlan = rnd.nextInt(5) == 0;
            mix.add(new byte[][] {ethernet(vlan, v6, ip), ethernet(false, false, tunnel(i % 4, v6, ip))});
        }
        return mix;
    }

    private long run(Decoder d) {
        long acc = 0;
        PacketView v = view;
        for (ByteBuffer f : frames) {
            if (d.decode(0, LinkType.ETHERNET, f, 0, f.limit(), f.limit(), v)) {
                acc += v.srcLo ^ v.dstLo ^ v.srcPort ^ v.dstPort ^ v.ipProto ^ v.payloadLength;
            }
        }
        return acc;
    }

    /** Decodes every tunnelled frame and its inner packet; with {@code check}, returns how many failed. */
    private long runTunnelled(Decoder d, boolean check) {
        long acc = 0;
        long failed = 0;
        PacketView v = view;
        for (ByteBuffer f : tunnelled) {
            if (!d.decode(0, LinkType.ETHERNET, f, 0, f.limit(), f.limit(), v)) {
                failed++;
                continue;
            }
            int kind = v.tunnel == PacketView.TUNNEL_IP ? Decoder.ipTunnel(v) : d.udpTunnel(v, v.dstPort);
            if (d.decapsulate(v, kind) == Decoder.DECAPSULATED && !v.badChecksum) {
                acc += v.srcLo ^ v.dstLo ^ v.srcPort ^ v.dstPort ^ v.ipProto ^ v.payloadLength;
            } else {
                failed++;
            }
        }
        return check ? failed : acc;
    }

    // ------------------------------------------------------------------ frame generation

    private static final byte[] TUNNEL_SRC = {(byte) 192, 0, 2, 1};
    private static final byte[] TUNNEL_DST = {(byte) 192, 0, 2, 2};

    /** Wraps an IP packet in VXLAN (0), GRE (1), GTPv1-U (2) or IP-in-IP (3) over IPv4; outer UDP without checksum. */
    private static byte[] tunnel(int kind, boolean v6, byte[] ip) {
        switch (kind) {
            case 0: {
                byte[] eth = ethernet(false, v6, ip);
                byte[] vx = new byte[8 + eth.length];
                vx[0] = 0x08;
                vx[6] = 1;
                System.arraycopy(eth, 0, vx, 8, eth.length);
                return ipv4(17, TUNNEL_SRC, TUNNEL_DST, udpNoChecksum(40000, 4789, vx));
            }
            case 1: {
                byte[] g = new byte[4 + ip.length];
                put16(g, 2, v6 ? 0x86DD : 0x0800);
                System.arraycopy(ip, 0, g, 4, ip.length);
                return ipv4(47, TUNNEL_SRC, TUNNEL_DST, g);
            }
            case 2: {
                byte[] g = new byte[8 + ip.length];
                g[0] = 0x30;
                g[1] = (byte) 0xFF;
                put16(g, 2, ip.length);
                put32(g, 4, 0x1234);
                System.arraycopy(ip, 0, g, 8, ip.length);
                return ipv4(17, TUNNEL_SRC, TUNNEL_DST, udpNoChecksum(2152, 2152, g));
            }
            default:
                return ipv4(v6 ? 41 : 4, TUNNEL_SRC, TUNNEL_DST, ip);
        }
    }

    private static byte[] udpNoChecksum(int sport, int dport, byte[] payload) {
        byte[] u = new byte[8 + payload.length];
        put16(u, 0, sport);
        put16(u, 2, dport);
        put16(u, 4, u.length);
        System.arraycopy(payload, 0, u, 8, payload.length);
        return u;
    }

    private static byte[] address(boolean v6, SplittableRandom rnd) {
        byte[] a = new byte[v6 ? 16 : 4];
        for (int i = 0; i < a.length; i++) {
            a[i] = (byte) rnd.nextInt(256);
        }
        a[0] = (byte) (v6 ? 0x20 : 10);
        return a;
    }

    private static byte[] transport(int proto, SplittableRandom rnd, int payload) {
        byte[] l4;
        switch (proto) {
            case 6:
                l4 = new byte[20 + payload];
                put16(l4, 0, 1024 + rnd.nextInt(60000));
                put16(l4, 2, rnd.nextBoolean() ? 443 : 80);
                put32(l4, 4, rnd.nextInt());
                put32(l4, 8, rnd.nextInt());
                l4[12] = 0x50;
                l4[13] = 0x10;
                put16(l4, 14, 65535);
                break;
            case 17:
                l4 = new byte[8 + payload];
                put16(l4, 0, 1024 + rnd.nextInt(60000));
                put16(l4, 2, 53);
                put16(l4, 4, l4.length);
                break;
            default:
                l4 = new byte[8 + payload];
                l4[0] = (byte) (proto == 1 ? 8 : 128);
                break;
        }
        for (int i = l4.length - payload; i < l4.length; i++) {
            l4[i] = (byte) i;
        }
        return l4;
    }

    private static void fillChecksum(int proto, byte[] src, byte[] dst, byte[] l4) {
        int at = proto == 6 ? 16 : proto == 17 ? 6 : 2;
        long sum = 0;
        if (proto != 1) {
            sum += sum(src) + sum(dst) + proto + l4.length;
        }
        sum += sum(l4);
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xFFFF) + (sum >>> 16);
        }
        int c = (int) ~sum & 0xFFFF;
        put16(l4, at, proto == 17 && c == 0 ? 0xFFFF : c);
    }

    private static long sum(byte[] b) {
        long s = 0;
        for (int i = 0; i < b.length; i += 2) {
            s += ((b[i] & 0xFF) << 8) | (i + 1 < b.length ? b[i + 1] & 0xFF : 0);
        }
        return s;
    }

    private static byte[] ipv4(int proto, byte[] src, byte[] dst, byte[] l4) {
        byte[] p = new byte[20 + l4.length];
        p[0] = 0x45;
        put16(p, 2, p.length);
        p[8] = 64;
        p[9] = (byte) proto;
        System.arraycopy(src, 0, p, 12, 4);
        System.arraycopy(dst, 0, p, 16, 4);
        long s = 0;
        for (int i = 0; i < 20; i += 2) {
            s += ((p[i] & 0xFF) << 8) | (p[i + 1] & 0xFF);
        }
        while ((s >>> 16) != 0) {
            s = (s & 0xFFFF) + (s >>> 16);
        }
        put16(p, 10, (int) ~s & 0xFFFF);
        System.arraycopy(l4, 0, p, 20, l4.length);
        return p;
    }

    private static byte[] ipv6(int proto, byte[] src, byte[] dst, byte[] l4) {
        byte[] p = new byte[40 + l4.length];
        p[0] = 0x60;
        put16(p, 4, l4.length);
        p[6] = (byte) proto;
        p[7] = 64;
        System.arraycopy(src, 0, p, 8, 16);
        System.arraycopy(dst, 0, p, 24, 16);
        System.arraycopy(l4, 0, p, 40, l4.length);
        return p;
    }

    private static byte[] ethernet(boolean vlan, boolean v6, byte[] ip) {
        int hl = vlan ? 18 : 14;
        byte[] f = new byte[hl + ip.length];
        f[0] = 2;
        f[6] = 4;
        int type = v6 ? 0x86DD : 0x0800;
        if (vlan) {
            put16(f, 12, 0x8100);
            put16(f, 14, 42);
            put16(f, 16, type);
        } else {
            put16(f, 12, type);
        }
        System.arraycopy(ip, 0, f, hl, ip.length);
        return f;
    }

    private static void put16(byte[] b, int i, int v) {
        b[i] = (byte) (v >>> 8);
        b[i + 1] = (byte) v;
    }

    private static void put32(byte[] b, int i, int v) {
        put16(b, i, v >>> 16);
        put16(b, i + 2, v);
    }
}
