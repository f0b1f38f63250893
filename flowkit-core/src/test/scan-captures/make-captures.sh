#!/usr/bin/env bash
# Makes the real-traffic scan captures in flowkit-core/src/test/resources/scan/.
#
# Everything happens inside network namespaces this script creates and removes: no packet
# leaves them and no other host is ever probed. Needs root, iproute2, nmap (7.93), tcpdump
# and python3 (for the small servers and the benign clients).
#
# Topology (all addresses private to the namespaces):
#
#   fkscan-a  scanner  10.77.0.2/24 ─┐                      ┌─ 10.77.9.2/24  fkscan-t  targets
#                                    ├── fkscan-r router ───┤   live hosts 10.77.1.10-12 and
#   fkscan-c  clients  10.77.2.x/24 ─┘   (forwards)         │   10.77.1.100-139, servers on
#                                                           │   22,80,443/tcp 53,6881/udp
#
# The router sends 10.77.1.0/24 to fkscan-t; fkscan-t owns only the live addresses and does
# not forward, so probes to any other 10.77.1.x are silently dropped (no answer, as from a
# dark address). ICMP rate limiting is off in fkscan-t so UDP scans get every unreachable.
#
# Usage: sudo make-captures.sh [OUTPUT_DIR]   (default: ../resources/scan next to this script)
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
out="${1:-$here/../resources/scan}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"
py="$(command -v python3)"
NS_R=fkscan-r NS_A=fkscan-a NS_T=fkscan-t NS_C=fkscan-c

for tool in ip nmap tcpdump "$py"; do
    command -v "$tool" >/dev/null || { echo "make-captures: $tool is missing" >&2; exit 1; }
done

remove_namespaces() {
    for ns in $NS_A $NS_T $NS_C $NS_R; do
        if ip netns pids "$ns" >/dev/null 2>&1; then
            for pid in $(ip netns pids "$ns"); do kill "$pid" 2>/dev/null || true; done
        fi
    done
    sleep 0.5
    for ns in $NS_A $NS_T $NS_C $NS_R; do
        ip netns del "$ns" 2>/dev/null || true
    done
}
remove_namespaces
work="$(mktemp -d)"
trap 'remove_namespaces; rm -rf "$work"' EXIT

nsx() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

# ---- namespaces and links ----------------------------------------------------------------
for ns in $NS_R $NS_A $NS_T $NS_C; do
    ip netns add "$ns"
    nsx "$ns" ip link set lo up
    # IPv4 only: no router solicitations or other IPv6 chatter in the captures
    nsx "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
done
link() { # link NS IFACE ADDR ROUTER_IFACE ROUTER_ADDR
    ip link add "$2" netns "$1" type veth peer name "$4" netns $NS_R
    nsx "$1" ip addr add "$3" dev "$2"
    nsx "$1" ip link set "$2" up
    nsx $NS_R ip addr add "$5" dev "$4"
    nsx $NS_R ip link set "$4" up
}
link $NS_A a0 10.77.0.2/24 r-a 10.77.0.1/24
link $NS_T t0 10.77.9.2/24 r-t 10.77.9.1/24
link $NS_C c0 10.77.2.2/24 r-c 10.77.2.1/24
nsx $NS_R sysctl -qw net.ipv4.ip_forward=1
nsx $NS_R ip route add 10.77.1.0/24 via 10.77.9.2
nsx $NS_A ip route add default via 10.77.0.1
nsx $NS_C ip route add default via 10.77.2.1
nsx $NS_T ip route add default via 10.77.9.1
nsx $NS_T sysctl -qw net.ipv4.icmp_ratelimit=0
nsx $NS_T sysctl -qw net.ipv4.icmp_msgs_per_sec=100000
live=""
for h in 10 11 12 $(seq 100 139); do
    nsx $NS_T ip addr add 10.77.1.$h/32 dev t0
    live="$live 10.77.1.$h"
done
# the clients' extra addresses (the DNS look-alike's many clients)
for h in $(seq 10 69); do
    nsx $NS_C ip addr add 10.77.2.$h/24 dev c0
done

# ---- servers in the target namespace -----------------------------------------------------
cat >"$work/servers.py" <<'EOF'
import selectors, socket, socketserver, sys, threading

class Http(socketserver.BaseRequestHandler):
    def handle(self):
        self.request.settimeout(2)
        try:
            self.request.recv(512)
            self.request.sendall(b"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok")
        except OSError:
            pass

class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True
    request_queue_size = 256

for port in (22, 80, 443):
    s = Server(("0.0.0.0", port), Http)
    threading.Thread(target=s.serve_forever, daemon=True).start()

def dns(q):
    # the query with QR set, one A record answer pointing back at the name (RFC 1035 4.1)
    if len(q) < 12:
        return q
    resp = bytearray(q)
    resp[2] |= 0x80
    resp[6:8] = b"\x00\x01"
    return bytes(resp) + b"\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04\x0a\x4d\x01\x0a"

def peer(d):
    return b"d1:rd2:id20:" + d[:20] + b"ee"

# one UDP socket per live address, so each answer leaves from the address that was asked
sel = selectors.DefaultSelector()
for addr in sys.argv[1:]:
    for port, answer in ((53, dns), (6881, peer)):
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        u.bind((addr, port))
        sel.register(u, selectors.EVENT_READ, answer)
while True:
    for key, _ in sel.select():
        data, src = key.fileobj.recvfrom(2048)
        key.fileobj.sendto(key.data(data), src)
EOF
nsx $NS_T "$py" "$work/servers.py" $live &
sleep 1.5

# ---- capture helpers -----------------------------------------------------------------------
capture_start() { # NS IFACE FILE
    # ip netns exec execs tcpdump, so $! is tcpdump itself (a shell function would add a subshell)
    ip netns exec "$1" tcpdump -q -U -n -s 128 -i "$2" -w "$out/$3" >/dev/null 2>&1 &
    cap_pid=$!
    sleep 1.5
}
capture_stop() {
    sleep 2
    kill -TERM "$cap_pid"   # background jobs of a script ignore SIGINT
    wait "$cap_pid" 2>/dev/null || true
}
scan() { # FILE nmap-args...
    local f=$1; shift
    capture_start $NS_A a0 "$f"
    nsx $NS_A nmap -n -Pn --max-retries 1 "$@" >/dev/null
    capture_stop
    echo "made $f ($(stat -c %s "$out/$f") bytes)"
}

# ---- scans from 10.77.0.2 --------------------------------------------------------------------
scan syn-portscan.pcap -sS -p 1-200 10.77.1.10
scan connect-portscan.pcap -sT -p 1-100 10.77.1.11
scan udp-portscan.pcap -sU -p 1-60 10.77.1.12
scan fin-portscan.pcap -sF -p 1-60 10.77.1.10
scan null-portscan.pcap -sN -p 1-60 10.77.1.11
scan xmas-portscan.pcap -sX -p 1-60 10.77.1.12
scan slow-portscan.pcap -sS --scan-delay 1500ms -p 1-24 10.77.1.10
scan ssh-sweep.pcap -sS -p 22 10.77.1.0/24
# a ping sweep: -sn -PE sends ICMP echo only; -Pn would skip it, so call nmap directly
capture_start $NS_A a0 ping-sweep.pcap
nsx $NS_A nmap -n -sn -PE --max-retries 1 10.77.1.0/25 >/dev/null
capture_stop
echo "made ping-sweep.pcap ($(stat -c %s "$out/ping-sweep.pcap") bytes)"

# ---- benign look-alikes ----------------------------------------------------------------------
# 1. one NAT address fetching 200 pages from one web server: the server's replies go from
#    port 80 to 200 client ports.
cat >"$work/web_nat.py" <<'EOF'
import socket
for i in range(200):
    s = socket.create_connection(("10.77.1.10", 80), timeout=3)
    s.sendall(b"GET / HTTP/1.0\r\n\r\n")
    while s.recv(512):
        pass
    s.close()
EOF
capture_start $NS_C c0 web-nat-clients.pcap
nsx $NS_C "$py" "$work/web_nat.py"
capture_stop
echo "made web-nat-clients.pcap ($(stat -c %s "$out/web-nat-clients.pcap") bytes)"

# 2. sixty clients querying one DNS server: the server answers sixty hosts.
cat >"$work/dns_clients.py" <<'EOF'
import socket, struct
for h in range(10, 70):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("10.77.2.%d" % h, 0))
    s.settimeout(2)
    q = struct.pack("!HHHHHH", h, 0x0100, 1, 0, 0, 0) + b"\x03www\x07example\x03org\x00\x00\x01\x00\x01"
    s.sendto(q, ("10.77.1.10", 53))
    s.recvfrom(2048)
    s.close()
EOF
capture_start $NS_C c0 dns-server-many-clients.pcap
nsx $NS_C "$py" "$work/dns_clients.py"
capture_stop
echo "made dns-server-many-clients.pcap ($(stat -c %s "$out/dns-server-many-clients.pcap") bytes)"

# 3. one client fetching from forty live web servers.
cat >"$work/many_servers.py" <<'EOF'
import socket
for h in range(100, 140):
    s = socket.create_connection(("10.77.1.%d" % h, 80), timeout=3, source_address=("10.77.2.2", 0))
    s.sendall(b"GET / HTTP/1.0\r\n\r\n")
    while s.recv(512):
        pass
    s.close()
EOF
capture_start $NS_C c0 client-many-servers.pcap
nsx $NS_C "$py" "$work/many_servers.py"
capture_stop
echo "made client-many-servers.pcap ($(stat -c %s "$out/client-many-servers.pcap") bytes)"

# 4. a P2P-like host talking to 40 peers on 6881/udp; 34 answer, 6 (dark addresses) do not.
cat >"$work/p2p.py" <<'EOF'
import socket
peers = ["10.77.1.%d" % h for h in range(100, 134)]
for i, dark in enumerate(range(200, 206)):
    peers.insert(5 + i * 6, "10.77.1.%d" % dark)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("10.77.2.3", 6881))
s.settimeout(0.5)
for p in peers:
    s.sendto(b"d1:ad2:id20:abcdefghij0123456789e1:q4:ping1:t2:aa1:y1:qe", (p, 6881))
    try:
        s.recvfrom(2048)
    except socket.timeout:
        pass
EOF
nsx $NS_C ip addr add 10.77.2.3/24 dev c0
capture_start $NS_C c0 p2p-peers.pcap
nsx $NS_C "$py" "$work/p2p.py"
capture_stop
echo "made p2p-peers.pcap ($(stat -c %s "$out/p2p-peers.pcap") bytes)"

du -ch "$out"/*.pcap | tail -1
