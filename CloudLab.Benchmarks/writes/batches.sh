#!/usr/bin/env bash
# Batches per second, mean batch size, a request's mean wait for a batch and a batch's mean run, for each write
# stage during an order target run: the services' write_batch_size, write_batch_wait_seconds and
# write_batch_duration_seconds histograms (/metrics) read 20 s and 50 s into the measured minute.
#
#   CloudLab.Benchmarks/writes/batches.sh <output folder> [driver options, e.g. --scale 0.6]
#                                          (build Release first; run under the shared lock)
#
# Runs `run target --services order --duration 60 --warmup 120 --start-app`; prints the driver's summary (CPU per
# order by process) and one line per stage. Fewer, larger batches are what makes an order cheaper: every batch pays a
# transaction or an HTTP exchange whatever its size.
set -uo pipefail
source "$(dirname "$0")/start-order-run.sh" "$@"
snapshot() { # ProductService, OrderService, PaymentService, AnalyticsService
  for port in 5102 5103 5104 5105; do
    curl -s -m 3 "http://127.0.0.1:$port/metrics" |
      grep -E '^write_batch_(size|wait_seconds|duration_seconds)_(sum|count)'
  done >"$1"
}
sleep 140
snapshot "$out/batches-1.txt"
sleep 30
snapshot "$out/batches-2.txt"
wait "$driver"
grep -A 4 "order target" "$out/driver.log"
python3 - "$out" <<'PY'
import re, sys
def load(path):
    values = {}
    for line in open(path):
        found = re.match(
            r'write_batch_(size|wait_seconds|duration_seconds)_(sum|count)\{.*stage="([^"]+)".*\} (\S+)', line)
        if found:
            values[(found.group(3), found.group(1), found.group(2))] = float(found.group(4))
    return values
before, after = load(sys.argv[1] + '/batches-1.txt'), load(sys.argv[1] + '/batches-2.txt')
def mean(stage, metric):
    count = after.get((stage, metric, 'count'), 0) - before.get((stage, metric, 'count'), 0)
    total = after.get((stage, metric, 'sum'), 0) - before.get((stage, metric, 'sum'), 0)
    return count, total, (total / count if count else 0.0)
for stage in sorted({stage for stage, _, _ in after}):
    count, total, size = mean(stage, 'size')
    if count:
        wait, run = mean(stage, 'wait_seconds')[2] * 1000, mean(stage, 'duration_seconds')[2] * 1000
        print(f'{stage:18} {count / 30:7.1f} batches/s   mean size {size:6.1f}   {total / 30:7.1f} requests/s'
              f'   mean wait {wait:6.1f} ms   mean run {run:6.1f} ms')
PY
