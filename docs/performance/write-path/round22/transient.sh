#!/usr/bin/env bash
# transient.sh <repository root> <folder>: a passing overload at the order target. Runs `run target --services order
# --duration 60 --warmup 120 --start-app` from that repository's Release build (another worktree for another build),
# starts four busy loops at nice -15 for 3 s at 15 s into the measured window (two cores: the app all but stops), and
# reads OrderService's bound on requests in flight once a second ("$folder/limit.txt"). Prints the share refused
# (429) before the loops, during them and 5 s after, and from 23 s on; then the bound, second by second.
set -uo pipefail
repo=$1; out=$2
source "$repo/CloudLab.Benchmarks/writes/start-order-run.sh" "$out"
sleep 120
start=${EPOCHREALTIME/./}
: >"$out/limit.txt"
burnt=0
while kill -0 "$driver" 2>/dev/null; do
  tenths=$(((${EPOCHREALTIME/./} - start) / 100000))
  echo "$((tenths / 10)).$((tenths % 10)) $(gauges)" >>"$out/limit.txt"
  if [ $burnt = 0 ] && [ $tenths -ge 150 ]; then
    burnt=1
    for core in 1 2 3 4; do nice -n -15 timeout 3 sh -c 'while :; do :; done' & done
  fi
  sleep 1
done
wait
python3 - "$out" <<'PY'
import json, glob, sys
d = json.load(open(glob.glob(sys.argv[1] + '/*/report.json')[0])); s = d['scenarios'][0]
t = s['timeline']
def part(a, b):
    rows = [r for r in t if a <= r['second'] < b]
    req = sum(r['requests'] for r in rows); err = sum(r['errors'] for r in rows)
    return f"{err}/{req} refused ({100*err/max(1,req):.1f} %)"
print(f"p95 {s['p95Ms']:.1f} ms, errors {s['errorRatePercent']:.3f} %; before the burn (0-15 s): {part(0,15)}; "
      f"burn and 5 s after (15-23 s): {part(15,23)}; from 23 s: {part(23,61)}")
PY
awk 'NR>1{printf "%s:%s ", int($1), $2}' "$out/limit.txt"; echo
