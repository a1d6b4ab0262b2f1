#!/usr/bin/env bash
# The order target on a cold app: `run target --services order --duration 60 --warmup 0 --start-app`, so 500 orders a
# second reach services that have compiled nothing yet, as a load generator without a warm-up would send them. Once a
# second it reads, from OrderService, ProductService and PaymentService's /metrics, the methods the JIT compiled and
# the seconds it spent compiling them (wall time: on two busy cores it counts waits for a core too), and each one's
# bound on requests in flight ("$out/jit.txt": seconds since the driver started, port, methods, JIT seconds, bound,
# in flight). Then it prints the driver's summary, each second's refusals, and how much each service compiled while
# the orders ran.
#
#   CloudLab.Benchmarks/writes/cold.sh <output folder> [driver options]
#                                       (build Release first; run under the shared lock; environment variables such as
#                                        DOTNET_TieredPGO=0 reach the services through the AppHost)
set -uo pipefail
out=$(mkdir -p "$1" && cd "$1" && pwd)
shift
cd "$(dirname "$0")/../.."
dotnet run -c Release --no-build --project CloudLab.LoadTests -- run target --services order --duration 60 \
  --warmup 0 --start-app --reports "$out" "$@" >"$out/driver.log" 2>&1 &
driver=$!
start=${EPOCHREALTIME/./}
: >"$out/jit.txt"
while kill -0 "$driver" 2>/dev/null; do
  seconds=$(((${EPOCHREALTIME/./} - start) / 1000000))
  for port in 5102 5103 5104; do
    curl -s -m 1 "http://127.0.0.1:$port/metrics" | awk -v port="$port" -v seconds="$seconds" '
      /^dotnet_jit_compiled_methods_total/ { methods = $NF }
      /^dotnet_jit_compilation_time_seconds_total/ { jit = $NF }
      /^rate_limit_concurrency_limit\{/ { bound = $NF }
      /^rate_limit_requests_in_flight\{/ { inFlight = $NF }
      END { if (methods != "") print seconds, port, methods, jit, bound, inFlight }'
  done >>"$out/jit.txt"
  sleep 1
done
grep -A 4 "order target:" "$out/driver.log" | head -5
python3 - "$out" <<'PY'
import glob, json, sys
out = sys.argv[1]
scenario = json.load(open(glob.glob(f"{out}/*/report.json")[0]))["scenarios"][0]
seconds = scenario["timeline"]
refusing = [round(s["second"]) for s in seconds if s["errors"] > 0]
print("errors per second:", " ".join(str(s["errors"]) for s in seconds))
print(f"seconds with errors: {len(refusing)}, the last at {refusing[-1] if refusing else '-'} s of the window")
names = {"5102": "ProductService", "5103": "OrderService", "5104": "PaymentService"}
rows = {}
for line in open(f"{out}/jit.txt"):
    fields = line.split()
    rows.setdefault(fields[1], []).append((int(fields[0]), int(float(fields[2])), float(fields[3])))
for port, samples in sorted(rows.items()):
    # From the first reading (the service up: before the orders, or as they begin) to the last.
    first, last = samples[0], samples[-1]
    print(f"{names[port]:15} JIT: {first[1]:,} methods at the first reading, {last[1]:,} at the last "
          f"(+{last[1] - first[1]:,}); {last[2] - first[2]:.1f} s compiling in between")
PY
