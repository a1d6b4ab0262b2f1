#!/usr/bin/env bash
# Where a cached read's CPU goes, by middleware stage: perf samples of ProductService and UserService under wrk.
#
#   CloudLab.Benchmarks/reads/profile/profile.sh <output folder>      (build Release first; run under the shared lock)
#
# Starts CloudLab as compare.sh does (the load settings; the service layer sheds on measured latency, with no fixed
# rate to raise), with DOTNET_PerfMapEnabled=1. For GET /api/products/{id} (1,000 ids), GET /api/users/me and
# GET /api/products?page=1&page_size=20, and /calibration/bare of ProductService: 90 s of wrk warm-up (WARMUP=<s> to
# change it; 15 s until 2026-11-30, which profiled the JIT still tiering the stack up), then 12 s of
# wrk -t2 -c64 with perf (cpu-clock, 1999 Hz, call graphs) on the service for 8 s of them, and the service's CPU time
# from /proc over the 12 s. Then: stages.py <output folder> prints the µs per request of each stage.
set -uo pipefail
export DOTNET_PerfMapEnabled=1
source "$(dirname "$0")/start-cloudlab.sh" "$1"
token=$(sign_in_token)
product=$(pid_of 5102); user=$(pid_of 5101)
echo "$product $user" >"$out/pids"
lua=CloudLab.Benchmarks/reads/reads.lua
run() { # run <name> <pid> <url> <ids file or ""> [wrk arguments]
  local name=$1 pid=$2 url=$3 ids=$4 u1 s1 u2 s2 wrk_pid
  shift 4
  READS_IDS=$ids wrk -t2 -c64 -d"${WARMUP:-90}"s -s $lua "$@" "$url" >"$out/$name.warmup.txt" 2>&1
  read -r u1 s1 < <(awk '{print $14, $15}' "/proc/$pid/stat")
  READS_IDS=$ids wrk -t2 -c64 -d12s -s $lua "$@" "$url" >"$out/$name.txt" 2>&1 &
  wrk_pid=$!
  sleep 1
  perf record -e cpu-clock -F 1999 -g -p "$pid" -o "$out/$name.perf.data" -- sleep 8 2>"$out/$name.perf.log"
  wait $wrk_pid
  read -r u2 s2 < <(awk '{print $14, $15}' "/proc/$pid/stat")
  echo "$name cpu_ticks=$((u2 + s2 - u1 - s1)) $(grep RESULT "$out/$name.txt")" | tee -a "$out/summary.txt"
}
run product "$product" http://127.0.0.1:5102/api/products/ "$out/ids"
run me "$user" http://127.0.0.1:5101/api/users/me "" -H "Authorization: Bearer $token"
run list "$product" "http://127.0.0.1:5102/api/products?page=1&page_size=20" ""
run bare "$product" http://127.0.0.1:5102/calibration/bare ""
cp "/tmp/perf-$product.map" "/tmp/perf-$user.map" "$out/"
