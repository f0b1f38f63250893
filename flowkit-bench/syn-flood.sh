#!/usr/bin/env bash
# The SYN-flood acceptance run: 5,000,000 spoofed SYNs mixed into 1,000,000 ordinary packets,
# analysed under a 256 MB heap with and without the compressor; the ordinary connections'
# records must equal those of the capture without the flood (uids aside: the flood takes uid
# numbers too). Scan detection is on, with its default bounds: the flood's one-attempt sources
# wait in its fixed first-contact table, and full per-source state is bounded in bytes. The
# flood's sources (172.16.0.0/12, each making about five attempts at port 80 of 100 servers)
# that meet a rule are reported; the script prints how many events name them.
#
#   flowkit-bench/syn-flood.sh [WORKDIR]     (default: a temporary directory, removed at the end)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="${1:-$(mktemp -d)}"
[ $# -ge 1 ] || trap 'rm -rf "$work"' EXIT
flood=${FLOOD:-5000000}
ordinary=${ORDINARY:-1000000}
heap=${HEAP:-256m}
fk="$root/flowkit"

"$fk" generate --out "$work/plain.pcap" --packets "$ordinary" --flows 2000 --seed 9 >/dev/null
"$fk" generate --out "$work/flood.pcap" --packets "$ordinary" --flows 2000 --seed 9 --flood "$flood" >/dev/null

# ordinary rows without the uid column (field 2), sorted; flood sources are 172.16.0.0/12
rows() { grep -v '^#' "$1" | awk -F'\t' '$3 !~ /^172\./' | cut -f1,3- | sort; }

JAVA_OPTS="-Xmx$heap" "$fk" analyze --uid-seed 1 --no-scan -o "$work/plain" "$work/plain.pcap"
for mode in compress full; do
  opt=(); [ "$mode" = compress ] && opt=(--compress)
  echo "== $mode, -Xmx$heap"
  /usr/bin/time -f "wall %e s, max RSS %M KB" env JAVA_OPTS="-Xmx$heap -XX:+ExitOnOutOfMemoryError" \
    "$fk" analyze --uid-seed 1 --stats "${opt[@]}" -o "$work/$mode" "$work/flood.pcap"
  echo "scan events: $(grep -vc '^#' "$work/$mode/scan.log" || true)," \
    "of which name a flood source: $(grep -v '^#' "$work/$mode/scan.log" | awk -F'\t' '$2 ~ /^172\./' | wc -l)"
  if [ "$mode" = compress ]; then
    if cmp -s <(rows "$work/plain/conn.log") <(rows "$work/$mode/conn.log"); then
      echo "ordinary records: identical to the run without the flood"
    else
      echo "ordinary records: DIFFER from the run without the flood" >&2
      exit 1
    fi
  else
    echo "ordinary records differing from the run without the flood (evicted by the flood):" \
      "$(comm -3 <(rows "$work/plain/conn.log") <(rows "$work/$mode/conn.log") | wc -l)"
  fi
done
