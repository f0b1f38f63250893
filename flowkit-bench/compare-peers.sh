#!/usr/bin/env bash
# Times flowkit against the C flow meters users run today, on one capture, in one run.
#
#   flowkit-bench/compare-peers.sh WORKLOAD.pcap [FLOWKIT_THREADS]
#
# Each tool runs three times, one after another, on the same file (read once first so it sits
# in the page cache); the table gives the median wall time, packets per second, and the ratio of
# each tool's time to flowkit's (above 1: slower than flowkit). Tools that are missing are
# installed with apt-get when running as root, otherwise skipped. The raw read floor is
# `cat file > /dev/null`. Times on a shared machine vary: compare ratios within one run.
set -euo pipefail
cap="${1:?usage: compare-peers.sh WORKLOAD.pcap [FLOWKIT_THREADS]}"
threads="${2:-1}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
[ -r "$cap" ] || { echo "compare-peers: cannot read $cap" >&2; exit 1; }

need=()
command -v argus >/dev/null || need+=(argus-server)
command -v nfpcapd >/dev/null || need+=(nfdump)
command -v softflowd >/dev/null || need+=(softflowd)
command -v tshark >/dev/null || need+=(tshark)
command -v tcpdump >/dev/null || need+=(tcpdump)
if [ ${#need[@]} -gt 0 ] && [ "$(id -u)" = 0 ]; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need[@]}" >/dev/null 2>&1 || true
fi

"$root/flowkit" --help >/dev/null 2>&1 || true   # builds the jar once, outside the timings
packets="$(capinfos -M -c "$cap" 2>/dev/null | awk -F: '/Number of packets/ {gsub(/ /,"",$2); print $2}')"
if [ -z "$packets" ]; then
  packets="$("$root/flowkit" analyze --stats "$cap" 2>&1 >/dev/null | awk '/^packets processed/ {print $3}')"
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cat "$cap" >/dev/null

declare -A cmd
order=(cat flowkit flowkit+scan)
cmd[cat]="cat '$cap' >/dev/null"
# flowkit: conn.log, the same job as the flow meters; flowkit+scan: conn.log and scan detection with scan.log
cmd[flowkit]="'$root/flowkit' analyze --threads $threads --no-scan -o '$work/fk' '$cap'"
cmd[flowkit+scan]="'$root/flowkit' analyze --threads $threads -o '$work/fks' '$cap'"
if command -v tcpdump >/dev/null; then order+=(tcpdump); cmd[tcpdump]="tcpdump -q -r '$cap' -w /dev/null 2>/dev/null"; fi
if command -v argus >/dev/null; then order+=(argus); cmd[argus]="rm -f '$work/a.argus'; argus -r '$cap' -w '$work/a.argus'"; fi
if command -v nfpcapd >/dev/null; then order+=(nfpcapd); cmd[nfpcapd]="rm -rf '$work/nf'; mkdir '$work/nf'; nfpcapd -r '$cap' -w '$work/nf' >/dev/null 2>&1"; fi
if command -v softflowd >/dev/null; then order+=(softflowd); cmd[softflowd]="softflowd -r '$cap' -n 127.0.0.1:9 >/dev/null 2>&1"; fi
if command -v tshark >/dev/null; then order+=(tshark); cmd[tshark]="tshark -n -q -r '$cap' -z conv,tcp >/dev/null 2>&1"; fi

declare -A med
for t in "${order[@]}"; do
  runs=()
  for i in 1 2 3; do
    s=$(date +%s.%N)
    bash -c "${cmd[$t]}" || echo "compare-peers: $t exited with $?" >&2
    e=$(date +%s.%N)
    runs+=("$(echo "$e - $s" | bc -l)")
  done
  med[$t]="$(printf '%s\n' "${runs[@]}" | sort -g | sed -n 2p)"
  echo "compare-peers: $t ${runs[*]}" >&2
done

echo "capture: $cap ($packets packets), flowkit --threads $threads; $(nproc) cores, $(java -version 2>&1 | head -1)"
printf '| %-10s | %9s | %7s | %16s |\n' tool "median s" Mpps "time / flowkit"
printf '|%s|%s|%s|%s|\n' ------------ ----------- --------- ------------------
for t in "${order[@]}"; do
  awk -v t="$t" -v s="${med[$t]}" -v p="$packets" -v f="${med[flowkit]}" \
    'BEGIN { printf "| %-10s | %9.2f | %7.2f | %16.2f |\n", t, s, p / s / 1e6, s / f }'
done
