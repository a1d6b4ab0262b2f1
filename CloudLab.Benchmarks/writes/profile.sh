#!/usr/bin/env bash
# Where an order's CPU goes on the whole machine: perf samples of every process during the measured minute of an
# order target run, with the .NET services' JIT-compiled code named.
#
#   CloudLab.Benchmarks/writes/profile.sh <output folder> [driver options, e.g. --scale 0.6]
#                                          (build Release first; run under the shared lock)
#   CloudLab.Benchmarks/writes/shares.py <output folder>      prints the shares by process and by .NET assembly
#
# Runs `run target --services order --duration 60 --warmup 120 --start-app` with DOTNET_PerfMapEnabled=1 and
# DOTNET_EnableWriteXorExecute=0 (with W^X on, JIT code lives in a memfd mapping perf cannot name), and
# `perf record -a -g` (cpu-clock, 499 Hz per core) for the middle half of the measured window (30 s from 20 s in).
# Keeps perf.data, the services' perf maps and the driver's report in the output folder. Another scenario:
# `scenario=burst duration=30 profile.sh <folder>` (15 s from 10 s in).
set -uo pipefail
export DOTNET_PerfMapEnabled=1 DOTNET_EnableWriteXorExecute=0
started=$(mktemp)
source "$(dirname "$0")/start-order-run.sh" "$@"
mv "$started" "$out/started"
window=${duration:-60}
sleep $((120 + window / 3))
perf record -e cpu-clock -F 499 -a -g -o "$out/perf.data" -- sleep $((window / 2)) 2>"$out/perf.log"
# The .NET processes' perf maps of this run (shares.py names each by the code it holds).
mkdir -p "$out/maps"
find /tmp -maxdepth 1 -name 'perf-*.map' -newer "$out/started" -exec cp {} "$out/maps/" \;
wait "$driver"
perf script -i "$out/perf.data" -F pid,tid,comm,ip,sym,dso 2>/dev/null | gzip >"$out/script.txt.gz"
grep -A 4 "order ${scenario:-target}" "$out/driver.log"
