#!/usr/bin/env bash
# Batches per second and mean batch size of each write stage during an order target run: the services'
# write_batch_size histograms (/metrics) read 20 s and 50 s into the measured minute.
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
    curl -s -m 3 "http://127.0.0.1:$port/metrics" | grep -E '^write_batch_size_(sum|count)'
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
        found = re.match(r'write_batch_size_(sum|count)\{.*stage="([^"]+)".*\} (\S+)', line)
        if found:
            values[(found.group(2), found.group(1))] = float(found.group(3))
    return values
before, after = load(sys.argv[1] + '/batches-1.txt'), load(sys.argv[1] + '/batches-2.txt')
for stage in sorted({stage for stage, _ in after}):
    count = after.get((stage, 'count'), 0) - before.get((stage, 'count'), 0)
    total = after.get((stage, 'sum'), 0) - before.get((stage, 'sum'), 0)
    if count:
        print(f'{stage:18} {count / 30:7.1f} batches/s   mean size {total / count:6.1f}   {total / 30:7.1f} requests/s')
PY
