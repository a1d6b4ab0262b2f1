#!/usr/bin/env bash
# How OrderService sheds an order peak or burst: runs `run peak|burst --services order --duration 30 --warmup 120
# --start-app`, reads the service layer's bound on requests in flight (`rate_limit_concurrency_limit`), the requests in
# flight and the GC's pause total from OrderService's /metrics a few times a second through the measured window
# ("$out/limit.txt": seconds since the window began, bound, in flight, GC pause seconds), and its
# api_request_duration_seconds histogram 2 s into the window and 2 s before its end; then prints the placed orders' latency as the
# driver saw it, the bound's range, and the p50 · p95 · p99 buckets of what OrderService measured itself.
#
#   CloudLab.Benchmarks/writes/shedding.sh <output folder> [peak|burst] [driver options]
#                                          (build Release first; run under the shared lock)
set -uo pipefail
scenario=${2:-peak}
duration=30
source "$(dirname "$0")/start-order-run.sh" "$1" "${@:3}"
sleep 120
# The clock is the shell's own ($EPOCHREALTIME, in tenths of a second): a date, an awk and a cut per reading, three
# times, came to some 60 processes a second beside the burst on two cores. Round 21, one build, one hour: placed p95
# 459.3 and 463.6 ms with this clock, the driver 269-271 ms behind its schedule; 517.6 ms with the old one between
# them, the driver 509 ms behind and 1,118 requests not sent ("other" 0.057-0.060 against 0.073 ms per request).
start=${EPOCHREALTIME/./}
: >"$out/limit.txt"
while tenths=$(((${EPOCHREALTIME/./} - start) / 100000)) && [ $((tenths / 10)) -lt "$duration" ]; do
  echo "$((tenths / 10)).$((tenths % 10)) $(gauges)" >>"$out/limit.txt"
  seconds=$((tenths / 10))
  if [ "$seconds" -ge 2 ] && [ ! -s "$out/metrics-1.txt" ]; then
    curl -s -m 3 http://127.0.0.1:5103/metrics >"$out/metrics-1.txt"
  elif [ "$seconds" -ge $((duration - 2)) ] && [ ! -s "$out/metrics-2.txt" ]; then
    curl -s -m 3 http://127.0.0.1:5103/metrics >"$out/metrics-2.txt"
  fi
  sleep 0.2
done
wait "$driver"
grep -A 2 "answered" "$out"/*/report.md | tail -1
awk '$2 != "" && $1 >= 3 {n++; if (min == "" || $2 < min) min = $2; if ($2 > max) max = $2}
     END {print "bound on requests in flight after the first 3 s:", min, "to", max, "(" n " readings)"}' "$out/limit.txt"
python3 - "$out" $((duration - 4)) <<'PY'
import re, sys
def buckets(path):
    found = {}
    for line in open(path):
        match = re.match(r'api_request_duration_seconds_bucket\{(.*)\} (\S+)', line)
        if match:
            labels = dict(re.findall(r'(\w+)="([^"]*)"', match.group(1)))
            if labels.get('route') == '/api/orders/':
                found.setdefault(labels['status'], {})[labels['le']] = float(match.group(2))
    return found
before, after = buckets(sys.argv[1] + '/metrics-1.txt'), buckets(sys.argv[1] + '/metrics-2.txt')
for status, counts in sorted(after.items()):
    delta = {le: count - before.get(status, {}).get(le, 0) for le, count in counts.items()}
    bounds = sorted(delta, key=lambda le: float('inf') if le == '+Inf' else float(le))
    total = delta['+Inf']
    if total:
        upper = [next(le for le in bounds if delta[le] >= q * total) for q in (0.5, 0.95, 0.99)]
        print(f'OrderService POST /api/orders {status}: {int(total)} in ~{sys.argv[2]} s, p50 · p95 · p99 at most '
              + ' · '.join(f'{le} s' for le in upper))
PY
