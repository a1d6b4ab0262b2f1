#!/usr/bin/env bash
# The GC of one service during an order target run (500 orders/s): a dotnet-trace of the runtime's GC events and
# allocation ticks, 8 s from 10 s into the measured minute, summarised by Program.cs (each collection's pause and what
# it promoted through the stacks against through older generations; allocations by type and stack). The trace slows
# the service it watches: read its pauses against each other, not against a run without it.
#
#   CloudLab.Benchmarks/writes/gc-trace/trace.sh <output folder> [port, default 5103: OrderService]
#                                          (build Release first; needs dotnet-trace: dotnet tool install -g dotnet-trace)
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
port=${2:-5103}
dotnet build -c Release -v quiet -nologo "$here/GcTrace.csproj" >/dev/null || exit 1
source "$here/../../reads/pid-of.sh"
source "$here/../start-order-run.sh" "$1"
sleep 130
"$HOME/.dotnet/tools/dotnet-trace" collect -p "$(pid_of "$port")" --providers 'Microsoft-Windows-DotNETRuntime:0x1:5' \
  --duration 00:00:00:08 -o "$out/gc.nettrace" >"$out/trace.log" 2>&1
wait "$driver"
dotnet "$here/bin/Release/net10.0/GcTrace.dll" "$out/gc.nettrace" >"$out/gc.txt"
head -30 "$out/gc.txt"
