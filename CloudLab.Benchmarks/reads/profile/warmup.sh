#!/usr/bin/env bash
# How long ProductService takes to reach its steady state under cached by-id reads: from its start, six ten-second
# windows of wrk -t2 -c64 (1,000 ids), each with its requests and the service's CPU time per request.
#
#   CloudLab.Benchmarks/reads/profile/warmup.sh <output folder>    (build Release first; run under the shared lock)
set -uo pipefail
source "$(dirname "$0")/start-cloudlab.sh" "$1"
product=$(pid_of 5102)
lua=CloudLab.Benchmarks/reads/reads.lua
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
for window in 1 2 3 4 5 6; do
  before=$(ticks "$product")
  READS_IDS="$out/ids" wrk -t2 -c64 -d10s -s $lua http://127.0.0.1:5102/api/products/ >"$out/window$window.txt" 2>&1
  after=$(ticks "$product")
  requests=$(sed -n 's/^RESULT requests=\([0-9]*\).*/\1/p' "$out/window$window.txt")
  awk -v w="$window" -v r="$requests" -v t="$((after - before))" 'BEGIN {
    printf "window %d: %d requests/s, %.1f us of service CPU per request\n", w, r / 10, t * 10000 / r }' |
    tee -a "$out/summary.txt"
done
