#!/usr/bin/env bash
# How much headroom the order target keeps when another process takes CPU: runs batches.sh (500 orders/s) while a
# busy loop takes <share> of one core (busy share × 20 ms, then asleep for the rest of each 20 ms), as a heavier load
# generator or a neighbour would. The driver's report counts the loop under "other".
#
#   CloudLab.Benchmarks/writes/margin.sh <output folder> <share, e.g. 0.5> [driver options]
#                                         (build Release first; run under the shared lock)
set -uo pipefail
share=$2
python3 - "$share" <<'PY' &
import sys, time
busy, period = float(sys.argv[1]), 0.02
while True:
    started = time.perf_counter()
    while time.perf_counter() - started < busy * period:
        pass
    time.sleep((1 - busy) * period)
PY
loop=$!
trap 'kill $loop 2>/dev/null' EXIT
"$(dirname "$0")/batches.sh" "$1" "${@:3}"
