#!/usr/bin/env bash
# What one cached read costs ProductService beyond its bare endpoint, counted rather than sampled: system calls,
# context switches, CPU time, bytes allocated and thread-pool work items per request, for GET /api/products/{id}
# (1,000 ids cycled by reads.lua) and /calibration/bare of the same process.
#
#   CloudLab.Benchmarks/reads/profile/per-request.sh <output folder>  (build Release first; run under the shared lock)
#
# Starts CloudLab as profile.sh does, warms both targets up with wrk (WARMUP=<s>, default 60), then measures each
# ROUNDS times (default 2), in turn: 12 s of wrk -t2 -c64, with `perf stat` on the service for 5 s of them and the
# runtime's counters (/metrics: dotnet_gc_heap_total_allocated_bytes_total, dotnet_thread_pool_work_item_count_total)
# read around the same 5 s. The bare endpoint is measured twice: as wrk's fixed request, and through reads.lua's
# request function like the by-id reads (its path plus "?x", cycled), so that wrk's own cost per request is the same
# for both; on two shared cores wrk's cost is taken from the server.
set -uo pipefail
source "$(dirname "$0")/start-cloudlab.sh" "$1"
pid=$(pid_of 5102)
lua=CloudLab.Benchmarks/reads/reads.lua
yes x | head -n 1000 >"$out/bare-ids"
counters() {
  curl -s -m 3 http://127.0.0.1:5102/metrics |
    awk '/^dotnet_gc_heap_total_allocated_bytes_total/ {a=$NF} /^dotnet_thread_pool_work_item_count_total/ {w=$NF}
      END {print a, w}'
}
measure() { # measure <name> <url> <ids file or ""> [READS_PREFIX]
  local name=$1 url=$2 ids=$3 prefix=${4:-} wrk_pid a1 w1 a2 w2
  # reads.lua takes an empty READS_PREFIX as a prefix: set it only when given.
  env READS_IDS="$ids" ${prefix:+READS_PREFIX="$prefix"} wrk -t2 -c64 -d12s -s $lua "$url" >"$out/$name.txt" 2>&1 &
  wrk_pid=$!
  sleep 3
  read -r a1 w1 < <(counters)
  perf stat -x, -e raw_syscalls:sys_enter,context-switches,task-clock -p "$pid" -- sleep 5 2>"$out/$name.perf.csv"
  read -r a2 w2 < <(counters)
  wait $wrk_pid
  python3 - "$out" "$name" "$a1" "$w1" "$a2" "$w2" <<'PY' | tee -a "$out/summary.txt"
import re, sys
out, name, a1, w1, a2, w2 = sys.argv[1], sys.argv[2], *map(float, sys.argv[3:])
result = open(f'{out}/{name}.txt').read()
requests = int(re.search(r'requests=(\d+)', result).group(1))
seconds = int(re.search(r'duration_us=(\d+)', result).group(1)) / 1e6
non2xx = int(re.search(r'non2xx=(\d+)', result).group(1))
counts = {line.split(',')[2]: float(line.split(',')[0]) for line in open(f'{out}/{name}.perf.csv')
          if line.count(',') > 3 and line.split(',')[0].replace('.', '').isdigit()}
in_window = requests / seconds * 5  # requests in perf's 5 s, at the run's mean rate
print(f'{name:16} {requests / seconds:9.0f} requests/s  non-2xx {non2xx}  per request: '
      f'{counts.get("raw_syscalls:sys_enter", 0) / in_window:5.2f} syscalls  '
      f'{counts.get("context-switches", 0) / in_window:5.2f} context switches  '
      f'{counts.get("task-clock", 0) * 1000 / in_window:6.1f} µs CPU  '
      f'{(a2 - a1) / in_window:7.0f} bytes allocated  {(w2 - w1) / in_window:5.2f} work items')
PY
}
READS_IDS=$out/ids wrk -t2 -c64 -d"${WARMUP:-60}"s -s $lua http://127.0.0.1:5102/api/products/ >/dev/null 2>&1
wrk -t2 -c64 -d20s http://127.0.0.1:5102/calibration/bare >/dev/null 2>&1
for round in $(seq "${ROUNDS:-2}"); do
  measure "bare-$round" http://127.0.0.1:5102/calibration/bare ""
  measure "bare-lua-$round" http://127.0.0.1:5102/calibration/bare "$out/bare-ids" "/calibration/bare?"
  measure "product-$round" http://127.0.0.1:5102/api/products/ "$out/ids"
done
