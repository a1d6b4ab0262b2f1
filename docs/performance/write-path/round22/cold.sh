#!/usr/bin/env bash
# cold.sh <folder> [driver options]: the order target (500/s, 60 s) with no warm-up, from a cold start of the app,
# and OrderService's bound on requests in flight and its requests in flight read once a second ("$folder/limit.txt":
# seconds since the script started, bound, in flight). Run from the repository's root after a Release build. With
# cpumon.py beside it, the JIT's time too: `python3 cpumon.py <file> 200 & cold.sh <folder>`.
out=$(mkdir -p "$1" && cd "$1" && pwd); shift
dotnet run -c Release --no-build --project CloudLab.LoadTests -- run target --services order --duration 60 --warmup 0 \
  --start-app --reports "$out" "$@" >"$out/driver.log" 2>&1 &
driver=$!
start=${EPOCHREALTIME/./}
: >"$out/limit.txt"
while kill -0 $driver 2>/dev/null; do
  tenths=$(((${EPOCHREALTIME/./} - start) / 100000))
  gauges=$(curl -s -m 1 http://127.0.0.1:5103/metrics | awk '/^rate_limit_concurrency_limit\{/ {l=$NF}
    /^rate_limit_requests_in_flight\{/ {f=$NF} END {print l, f}')
  [ "$gauges" != " " ] && echo "$((tenths / 10)).$((tenths % 10)) $gauges" >>"$out/limit.txt"
  sleep 1
done
grep -A 2 "answered" "$out"/*/report.md | tail -1
