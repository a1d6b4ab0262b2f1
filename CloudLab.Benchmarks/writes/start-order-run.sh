# Sourced by the scripts of this folder with their output folder and the driver's extra options: starts
# `run target --services order --duration 60 --warmup 120 --start-app` in the background (its output in
# "$out/driver.log", its reports in "$out"), and returns once the warm-up has begun. Leaves out, root and driver set,
# and the current folder at root. The measured window starts 120 s after it returns. A caller may set scenario
# (peak, burst) and duration (seconds) before sourcing it. Defines gauges (gauges.sh).
out=$(mkdir -p "$1" && cd "$1" && pwd)
shift
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
dotnet run -c Release --no-build --project CloudLab.LoadTests -- run "${scenario:-target}" --services order \
  --duration "${duration:-60}" --warmup 120 --start-app --reports "$out" "$@" >"$out/driver.log" 2>&1 &
driver=$!
until grep -q "warming the app up" "$out/driver.log" 2>/dev/null; do
  kill -0 "$driver" 2>/dev/null || { echo "the driver stopped; see $out/driver.log" >&2; exit 1; }
  sleep 1
done
source "$root/CloudLab.Benchmarks/writes/gauges.sh"
