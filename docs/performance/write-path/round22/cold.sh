#!/usr/bin/env bash
# cold.sh <folder> [driver options]: the order target (500/s, 60 s) with no warm-up, from a cold start of the app,
# and OrderService's bound on requests in flight and its requests in flight read once a second ("$folder/limit.txt":
# seconds since the script started, bound, in flight). Run from the repository's root after a Release build. With
# cpumon.py beside it, the JIT's time too: `python3 cpumon.py <file> 200 & cold.sh <folder>`.
out=$(mkdir -p "$1" && cd "$1" && pwd); shift
dotnet run -c Release --no-build --project CloudLab.LoadTests -- run target --services order --duration 60 --warmup 0 \
  --start-app --reports "$out" "$@" >"$out/driver.log" 2>&1 &
driver=$!
source CloudLab.Benchmarks/writes/gauges.sh
start=${EPOCHREALTIME/./}
: >"$out/limit.txt"
while kill -0 $driver 2>/dev/null; do
  tenths=$(((${EPOCHREALTIME/./} - start) / 100000))
  read -r bound in_flight _ <<<"$(gauges)"
  [ -n "$bound" ] && echo "$((tenths / 10)).$((tenths % 10)) $bound $in_flight" >>"$out/limit.txt"
  sleep 1
done
grep -A 2 "answered" "$out"/*/report.md | tail -1
