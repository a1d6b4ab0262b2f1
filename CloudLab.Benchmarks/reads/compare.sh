#!/usr/bin/env bash
# Cached reads, measured in one run: CloudLab against a bare Kestrel endpoint and a minimal ASP.NET Core service.
#
#   CloudLab.Benchmarks/reads/compare.sh [--no-build] [--duration 10s] [--warmup 90s] [--rounds 3] [--threads 2]
#                                        [--connections 64] [--session-groups on|off]
#
# --session-groups off turns Linux's per-session CPU groups (kernel.sched_autogroup_enabled) off for the run and back
# on at the end, so every thread of wrk, CloudLab and the peers is scheduled alike, as on a server whose load comes
# from another machine. With them on (the default, and this machine's setting), wrk's session and each server's
# session share the cores group by group, and the tail latency of every target, the bare endpoint's too, is the
# scheduler's (bare p99 14-27 ms in the runs of 2026-11-30 07:08-07:34).
#
# The warm-up is long because CloudLab's services take it to reach their steady state: by id, from start, ten-second
# windows of wrk served 7.9k, 20.3k, 27.9k, 33.2k, 27.6k and 29.2k requests/s at the same service CPU (the runtime
# tiering up hundreds of methods). 45 s was not enough either: after 45 s of load, ProductService still compiled
# 1,949 methods (2.8 s of JIT, 11 % of its CPU) in the next 20 s, then 351, 258 and 142 in the 20 s windows after
# (2026-11-30 05:40, requests/s 28.3k, 31.4k, 31.0k, 33.5k). Every target gets the same warm-up.
#
# Every protection stays on as configured: the per-client buckets at the load settings' rates, and the service layer's
# shedding, which bounds requests in flight by their measured latency (no fixed rate per service by default, so there
# is no rate to raise; a run that sheds shows it as non-2xx).
#
# 1. builds the solution in Release (the peers are in it) and installs wrk with apt-get if it is missing;
# 2. starts CloudLab as the load driver's --start-app does (the settings are read from
#    CloudLab.LoadTests/Engine/AppProcess.cs), waits until all five services are healthy;
# 3. starts three peers on CloudLab's own PostgreSQL and Redis (connection strings taken from ProductService's
#    environment): BareEndpoint (fixed bytes: a real product response), MinimalCatalog (EF Core behind Microsoft
#    HybridCache, memory + Redis) and MinimalCatalog with --Cache:Enabled=false (EF Core on every request);
# 4. warms each target up with wrk (not recorded), then measures every target once per round, one after the other,
#    with the CPU time the serving process used. The ratios are taken within a round and the report gives their
#    median over the rounds: the machine's speed drifts by more than the differences measured (in the runs of
#    2026-11-30 the bare endpoint measured first and again last, 13 minutes apart, differed by 6-17 %), and a ratio of
#    two measurements taken a minute apart carries less of that drift than one of measurements minutes apart.
#    By-id targets cycle 1,000 seeded product ids (reads.lua); CloudLab also gets GET /api/users/me with a real
#    token and GET /api/products?page=1&page_size=20;
# 5. writes docs/performance/reads/<UTC time>.md and stops everything it started, also on failure or Ctrl+C.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cd "$root"

duration=10s warmup=90s rounds=3 threads=2 connections=64 build=1 session_groups=on
while [ $# -gt 0 ]; do
  case "$1" in
    --no-build) build=0 ;;
    --duration) duration=$2; shift ;;
    --warmup) warmup=$2; shift ;;
    --rounds) rounds=$2; shift ;;
    --threads) threads=$2; shift ;;
    --connections) connections=$2; shift ;;
    --session-groups) session_groups=$2; shift ;;
    *) sed -n '4p' "$0" | sed 's/^# *//'; exit 2 ;;
  esac
  shift
done

log() { echo "compare: $*" >&2; }
readonly autogroup_setting=/proc/sys/kernel/sched_autogroup_enabled
autogroup_before=$(cat "$autogroup_setting" 2>/dev/null || echo "")
die() { log "$*"; exit 1; }

readonly bare_port=5191 hybrid_port=5192 efcore_port=5193 ids_count=1000
readonly user_url=http://127.0.0.1:5101 product_url=http://127.0.0.1:5102
work=$(mktemp -d /tmp/cloudlab-reads.XXXXXX)
app_pid=""
peer_pids=()

# Every process below $1 (children first found, then theirs).
descendants() {
  local child
  for child in $(ps -o pid= --ppid "$1" 2>/dev/null); do
    echo "$child"
    descendants "$child"
  done
}

wait_gone() { # wait_gone <seconds> <pid>...: true when all are gone in time
  local deadline=$((SECONDS + $1)) pid
  shift
  for pid in "$@"; do
    while kill -0 "$pid" 2>/dev/null; do
      [ $SECONDS -lt $deadline ] || return 1
      sleep 0.2
    done
  done
}

cleanup() {
  local status=$?
  trap - EXIT INT TERM
  pkill -TERM -x wrk -P $$ 2>/dev/null || true
  [ -z "$autogroup_before" ] || echo "$autogroup_before" >"$autogroup_setting" 2>/dev/null || true
  if [ ${#peer_pids[@]} -gt 0 ]; then
    kill -TERM "${peer_pids[@]}" 2>/dev/null || true
    wait_gone 15 "${peer_pids[@]}" || kill -KILL "${peer_pids[@]}" 2>/dev/null || true
  fi
  if [ -n "$app_pid" ] && kill -0 "$app_pid" 2>/dev/null; then
    log "stopping CloudLab..."
    local tree
    tree=$(descendants "$app_pid")
    # SIGTERM to the AppHost (the child of `dotnet run`): it stops every resource it started.
    pkill -TERM -P "$app_pid" 2>/dev/null || true
    if ! wait_gone 60 "$app_pid"; then
      log "CloudLab did not stop within 60 s: killing its processes"
      kill -KILL "$app_pid" $tree 2>/dev/null || true
    fi
    # Anything the AppHost left behind (it should leave nothing).
    for pid in $tree; do kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null; done
  fi
  # A service the orchestrator restarted is not below the AppHost: any process still running this repository's
  # binaries was started by this run.
  local leftovers
  leftovers=$(pgrep -f "^$root/" 2>/dev/null | grep -vx "$$" || true)
  if [ -n "$leftovers" ]; then
    log "waiting for $(wc -w <<<"$leftovers") service process(es) still stopping after the AppHost"
    # shellcheck disable=SC2086 # one pid per word
    wait_gone 15 $leftovers || { log "killing what is left of them"; kill -KILL $leftovers 2>/dev/null || true; }
  fi
  if [ "$status" -eq 0 ]; then
    rm -rf "$work"
  else
    log "failed (exit $status); logs kept in $work"
  fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

case "$session_groups" in
  on) ;;
  off)
    # Before anything starts: a process keeps the group it was started in.
    [ -n "$autogroup_before" ] || die "this kernel has no $autogroup_setting: drop --session-groups."
    echo 0 >"$autogroup_setting" 2>/dev/null || die "cannot write $autogroup_setting (run as root)." ;;
  *) die "--session-groups takes on or off." ;;
esac

# --- prerequisites and build -----------------------------------------------------------------------------------------
if ! command -v wrk >/dev/null; then
  [ "$(id -u)" -eq 0 ] || command -v sudo >/dev/null || die "wrk is missing: apt-get install wrk, then run again."
  as_root=""; [ "$(id -u)" -eq 0 ] || as_root=sudo
  log "installing wrk..."
  { $as_root apt-get update -qq && DEBIAN_FRONTEND=noninteractive $as_root apt-get install -y -qq wrk; } \
    >"$work/apt.log" 2>&1 || die "apt-get install wrk failed (see $work/apt.log)."
fi
command -v curl >/dev/null || die "curl is missing: apt-get install curl, then run again."
if curl -s -m 1 -o /dev/null "$product_url/health"; then
  die "something already answers on $product_url: stop the running CloudLab first."
fi
for port in $bare_port $hybrid_port $efcore_port; do
  if curl -s -m 1 -o /dev/null "http://127.0.0.1:$port/"; then die "port $port is taken: free it first."; fi
done

if [ "$build" -eq 1 ]; then
  log "building the solution (Release)..."
  dotnet build CloudLab.sln -c Release -v quiet -nologo >"$work/build.log" 2>&1 || {
    tail -n 30 "$work/build.log" >&2
    die "the build failed."
  }
fi

bare_dir=CloudLab.Benchmarks/reads/BareEndpoint/bin/Release/net10.0
catalog_dir=CloudLab.Benchmarks/reads/MinimalCatalog/bin/Release/net10.0
service_dir=CloudLab.ProductService/bin/Release/net10.0
for file in "$bare_dir/CloudLab.ReadPeers.BareEndpoint.dll" "$catalog_dir/CloudLab.ReadPeers.MinimalCatalog.dll" \
  "$service_dir/CloudLab.ProductService.dll"; do
  [ -f "$file" ] || die "$file is missing: build the solution in Release (or drop --no-build)."
done

# The comparison is only fair if the peers run with the runtime settings the services run with (GC, thread pool).
runtime_settings() { grep -E '"System\.(GC|Threading)\.' "$1" | tr -d ' ,' | sort; }
for peer in "$bare_dir/CloudLab.ReadPeers.BareEndpoint" "$catalog_dir/CloudLab.ReadPeers.MinimalCatalog"; do
  if [ "$(runtime_settings "$peer.runtimeconfig.json")" != \
    "$(runtime_settings "$service_dir/CloudLab.ProductService.runtimeconfig.json")" ]; then
    die "$peer.runtimeconfig.json has other GC or thread-pool settings than ProductService's."
  fi
done

# CloudLab's services switch ASP.NET Core's hosting logger off (a log scope and an Activity per request); the floor must
# not pay for it either.
grep -q '"Microsoft.AspNetCore.Hosting.Diagnostics": "None"' "$bare_dir/appsettings.json" ||
  die "$bare_dir/appsettings.json leaves the hosting logger on: the bare endpoint would pay a log scope per request."

# --- CloudLab ------------------------------------------------------------------------------------------------------
mapfile -t load_settings < <(sed -n '/LoadSettings =/,/];/p' CloudLab.LoadTests/Engine/AppProcess.cs |
  grep -o '"--[^"]*"' | tr -d '"')
[ ${#load_settings[@]} -ge 5 ] || die "the load settings were not found in CloudLab.LoadTests/Engine/AppProcess.cs."

log "starting CloudLab with the load settings: ${load_settings[*]}"
dotnet run --no-build --configuration Release --project CloudLab.AppHost --launch-profile http -- \
  "${load_settings[@]}" >"$work/apphost.log" 2>&1 &
app_pid=$!

deadline=$((SECONDS + 240))
for port in 5101 5102 5103 5104 5105; do
  until [[ "$(curl -s -m 2 "http://127.0.0.1:$port/health" || true)" =~ ^(Healthy|Degraded)$ ]]; do
    kill -0 "$app_pid" 2>/dev/null || die "the AppHost exited (see $work/apphost.log)."
    [ $SECONDS -lt $deadline ] || die "CloudLab was not healthy on port $port within 240 s."
    sleep 1
  done
done
log "CloudLab is healthy"

# ProductService's process (its CPU time goes into the report) and its connection strings (PostgreSQL and Redis of
# this run), read from its environment.
source "$here/pid-of.sh"
product_pid=$(pid_of 5102)
user_pid=$(pid_of 5101)
[ -n "$product_pid" ] && [ -n "$user_pid" ] || die "the ProductService or UserService process was not found."
product_env=$(tr '\0' '\n' 2>/dev/null <"/proc/$product_pid/environ")
productdb=$(sed -n 's/^ConnectionStrings__productdb=//p' <<<"$product_env")
redis=$(sed -n 's/^ConnectionStrings__redis=//p' <<<"$product_env")
[ -n "$productdb" ] && [ -n "$redis" ] || die "ProductService's connection strings were not found."
# The peers run in the service's environment (Development under the AppHost's launch profile).
environment=$(sed -n 's/^ASPNETCORE_ENVIRONMENT=//p' <<<"$product_env")

# The catalogue's seeded ids: md5('cloudlab-product-N')::uuid, as CatalogSeeder makes them.
for n in $(seq 1 $ids_count); do
  printf 'cloudlab-product-%d' "$n" | md5sum | sed -E 's/^(.{8})(.{4})(.{4})(.{4})(.{12}).*/\1-\2-\3-\4-\5/'
done >"$work/ids"
first_id=$(head -n 1 "$work/ids")
curl -sf -o "$work/product.json" "$product_url/api/products/$first_id" ||
  die "CloudLab does not serve product $first_id."

login=$(curl -sf -X POST "$user_url/api/auth/login" -H 'content-type: application/json' \
  -d '{"email":"loadtest-1@cloudlab.local","password":"LoadTest#2026"}') || die "the load-test user cannot log in."
token=$(sed -n 's/.*"accessToken":"\([^"]*\)".*/\1/p' <<<"$login")
[ -n "$token" ] || die "the log-in answer holds no accessToken."

# --- peers ---------------------------------------------------------------------------------------------------------
# Each peer runs in a session of its own, as CloudLab's services do (the orchestrator starts them in its session), never
# in this script's session with wrk. Linux groups CPU time by session (sched_autogroup_enabled=1 here): a server in
# the load generator's group competes with wrk thread by thread, one in another group shares the machine with wrk's
# group as a whole. Peers started here beside wrk (every run before 2026-11-30 07:08) had the easier share. In one run,
# /calibration/bare of two ProductService instances started by hand: in wrk's session 22-28 µs of CPU per request,
# 46-47 context switches per 100 requests, p99 5.9-10.6 ms; in a session of its own 29-34 µs, 94-104, 10.5-18.9 ms
# (the instance the orchestrator started: 34-35 µs, 125-129, 9.1-11.1 ms).
start_peer() { # start_peer <name> <port> <dll> <argument>...: its appsettings.json from its own folder
  local name=$1 port=$2 dll=$3
  shift 3
  # Without job control a background child is no process-group leader, so setsid makes the session and execs dotnet
  # in place: $! is the server's pid, whose CPU time the report reads.
  setsid dotnet "$dll" --urls "http://127.0.0.1:$port" --contentRoot "$root/$(dirname "$dll")" \
    --environment "${environment:-Production}" "$@" >"$work/$name.log" 2>&1 &
  peer_pids+=($!)
}
start_peer bare $bare_port "$bare_dir/CloudLab.ReadPeers.BareEndpoint.dll" --BodyFile "$work/product.json"
start_peer hybrid $hybrid_port "$catalog_dir/CloudLab.ReadPeers.MinimalCatalog.dll" \
  --ConnectionStrings:productdb "$productdb" --ConnectionStrings:redis "$redis"
start_peer efcore $efcore_port "$catalog_dir/CloudLab.ReadPeers.MinimalCatalog.dll" \
  --ConnectionStrings:productdb "$productdb" --ConnectionStrings:redis "$redis" --Cache:Enabled false

deadline=$((SECONDS + 60))
for port in $bare_port $hybrid_port $efcore_port; do
  until curl -sf -o /dev/null "http://127.0.0.1:$port/api/products/$first_id"; do
    [ $SECONDS -lt $deadline ] || die "the peer on port $port does not serve product $first_id (logs in $work)."
    sleep 0.5
  done
done
for pid in "${peer_pids[@]}"; do
  [ "$(ps -o sid= -p "$pid" | tr -d ' ')" = "$pid" ] || die "peer $pid is not in a session of its own."
done
log "peers are up"

# --- measurements --------------------------------------------------------------------------------------------------
# The targets in the order each round measures them: CloudLab's by-id reads between the bare endpoint and the minimal
# service, and EF Core on every request last (it loads PostgreSQL, which the next measurement should not inherit).
targets=(bare hybrid product me list efcore)
declare -A pid_of_target url_of_target ids_of_target header_of_target
target() { # target <key> <pid serving it> <url> <ids: yes|no> [header]
  pid_of_target[$1]=$2 url_of_target[$1]=$3 ids_of_target[$1]=$4 header_of_target[$1]=${5:-}
}
target bare "${peer_pids[0]}" "http://127.0.0.1:$bare_port/api/products/" yes
target hybrid "${peer_pids[1]}" "http://127.0.0.1:$hybrid_port/api/products/" yes
target efcore "${peer_pids[2]}" "http://127.0.0.1:$efcore_port/api/products/" yes
target product "$product_pid" "$product_url/api/products/" yes
target me "$user_pid" "$user_url/api/users/me" no "Authorization: Bearer $token"
target list "$product_pid" "$product_url/api/products?page=1&page_size=20" no

declare -A result cpu_us
field() { sed -n "s/.* $2=\([0-9]*\).*/\1/p" <<<" ${result[$1]}"; }
# CPU time (user + system, in clock ticks) a process has used so far.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
run_wrk() { # run_wrk <key> <duration> <output file>
  local key=$1 ids_file="" header=()
  [ "${ids_of_target[$key]}" = yes ] && ids_file="$work/ids"
  [ -z "${header_of_target[$key]}" ] || header=(-H "${header_of_target[$key]}")
  READS_IDS=$ids_file wrk -t"$threads" -c"$connections" -d"$2" -s "$here/reads.lua" "${header[@]}" \
    "${url_of_target[$key]}" >"$3" 2>&1 || die "wrk failed on ${url_of_target[$key]} (see $3)."
}
warm() { # warm <key>: checks one request answers 200, then loads the target for the warm-up, unrecorded
  local key=$1 first=${url_of_target[$1]} header=() status
  [ "${ids_of_target[$key]}" = yes ] && first="$first$first_id"
  [ -z "${header_of_target[$key]}" ] || header=(-H "${header_of_target[$key]}")
  status=$(curl -s -o /dev/null -w '%{http_code}' "${header[@]}" "$first")
  [ "$status" = 200 ] || die "$first answers $status, not 200."
  log "$key: warm-up $warmup"
  run_wrk "$key" "$warmup" "$work/$key.warmup.txt"
}
measure() { # measure <key> <round>: result[key.round] and cpu_us[key.round]
  local key=$1 measured="$1.$2" ticks_before ticks
  ticks_before=$(cpu_ticks "${pid_of_target[$key]}")
  run_wrk "$key" "$duration" "$work/$measured.txt"
  ticks=$(($(cpu_ticks "${pid_of_target[$key]}") - ticks_before))
  result[$measured]=$(grep '^RESULT ' "$work/$measured.txt") || die "wrk printed no RESULT line for $measured."
  cpu_us[$measured]=$(awk -v ticks="$ticks" -v hz="$(getconf CLK_TCK)" -v requests="$(field "$measured" requests)" \
    'BEGIN { printf "%.1f", ticks * 1e6 / hz / requests }')
  log "$measured: ${result[$measured]}"
}

for key in "${targets[@]}"; do warm "$key"; done
for round in $(seq 1 "$rounds"); do
  for key in "${targets[@]}"; do measure "$key" "$round"; done
done

# --- report --------------------------------------------------------------------------------------------------------
rps() { awk -v r="$(field "$1" requests)" -v d="$(field "$1" duration_us)" 'BEGIN { printf "%.0f\n", r / (d / 1e6) }'; }
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }
over_rounds() { # over_rounds <command> <key>: the command's value for the key in each round, one a line
  local round
  for round in $(seq 1 "$rounds"); do "$1" "$2.$round"; done
}
ratio() { awk -v a="$(rps "$1")" -v b="$(rps "$2")" 'BEGIN { printf "%.4f", a / b }'; }
ratios() { # ratios <key> <against>: the key's RPS over the other's, round by round
  local round
  for round in $(seq 1 "$rounds"); do ratio "$1.$round" "$2.$round"; echo; done
}
p50_of() { field "$1" p50_us; }
p99_of() { field "$1" p99_us; }
cpu_of() { echo "${cpu_us[$1]}"; }
summed() { # summed <key> <field>...: the fields added over all rounds
  local key=$1 total=0 round name
  shift
  for round in $(seq 1 "$rounds"); do
    for name in "$@"; do total=$((total + $(field "$key.$round" "$name"))); done
  done
  echo "$total"
}
row() { # row <key> <what> <request>: medians over the rounds
  local key=$1
  awk -v what="$2" -v request="$3" -v rps="$(over_rounds rps "$key" | median)" \
    -v p50="$(over_rounds p50_of "$key" | median)" -v p99="$(over_rounds p99_of "$key" | median)" \
    -v p99max="$(over_rounds p99_of "$key" | sort -g | tail -n 1)" -v cpu="$(over_rounds cpu_of "$key" | median)" \
    -v non2xx="$(summed "$key" non2xx)" -v errors="$(summed "$key" connect read write timeout)" \
    -v bare="$(ratios "$key" bare | median)" -v hybrid="$(ratios "$key" hybrid | median)" '
    function thousands(n,   s, out) {
      s = sprintf("%d", n)
      while (length(s) > 3) { out = "," substr(s, length(s) - 2) out; s = substr(s, 1, length(s) - 3) }
      return s out
    }
    BEGIN {
      printf "| %s | %s | %s | %.2f | %.2f (%.2f) | %.1f | %d | %d | %.2f | %.2f |\n",
        what, request, thousands(rps), p50 / 1000, p99 / 1000, p99max / 1000, cpu, non2xx, errors, bare, hybrid }'
}
round_row() { # round_row <round>: every target's RPS in it, and CloudLab's by-id ratios
  local round=$1 key line="| $1 |"
  for key in "${targets[@]}"; do line="$line $(rps "$key.$round") |"; done
  echo "$line $(ratio "product.$round" "bare.$round" | awk '{ printf "%.2f", $1 }') |" \
    "$(ratio "product.$round" "hybrid.$round" | awk '{ printf "%.2f", $1 }') |"
}

commit=$(git rev-parse --short HEAD)
git diff --quiet HEAD -- . ':!docs/performance/reads' 2>/dev/null || commit="$commit + uncommitted changes"
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
memory=$(awk '/^MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo)
os=$(. /etc/os-release && echo "$PRETTY_NAME")
runtime=$(dotnet --list-runtimes | sed -n 's/^Microsoft.AspNetCore.App \([^ ]*\).*/\1/p' | tail -n 1)
stamp=$(date -u +%Y%m%d-%H%M%S)
mkdir -p docs/performance/reads
report=docs/performance/reads/$stamp.md
{
  echo "# Cached reads against a bare endpoint and a minimal service"
  echo
  echo "$(date -u '+%Y-%m-%d %H:%M UTC') · commit $commit · $(nproc) cores, $cpu, $memory, $os, ASP.NET Core $runtime ·"
  echo "\`wrk -t$threads -c$connections -d$duration\` per target and round, $rounds rounds, each target measured once a"
  echo "round in turn, after $warmup of unrecorded warm-up per target; wrk on the same machine, per-session CPU groups"
  echo "$session_groups (\`--session-groups\`). Release builds with the same GC and thread-pool settings; CloudLab with"
  echo "the load settings of \`--start-app\`; the peers read CloudLab's PostgreSQL and Redis. By-id rows cycle 1,000"
  echo "seeded product ids."
  echo
  echo "| what | request | RPS | p50 ms | p99 ms (worst round) | CPU µs per request | non-2xx | socket errors | × bare | × minimal HybridCache |"
  echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"
  row bare "bare Kestrel endpoint, fixed bytes (a product response)" "GET /api/products/{id}"
  row hybrid "minimal ASP.NET Core + EF Core behind HybridCache (memory + Redis)" "GET /api/products/{id}"
  row efcore "the same minimal service, EF Core on every request" "GET /api/products/{id}"
  row product "**CloudLab** ProductService (cache hit)" "GET /api/products/{id}"
  row me "**CloudLab** UserService (token and profile cached)" "GET /api/users/me"
  row list "**CloudLab** ProductService, a cached list page" "GET /api/products?page=1&page_size=20"
  echo
  echo "RPS, latencies and CPU are medians over the rounds; × bare and × minimal are the medians of the ratios taken"
  echo "within each round. non-2xx counts answers outside 2xx/3xx (wrk's count) and socket errors are connect, read,"
  echo "write and timeout errors, both summed over the rounds. CPU µs per request: the CPU time (user and system) of the"
  echo "process serving the row over the measured run, divided by its requests (wrk's own CPU is not in it)."
  echo
  echo "RPS round by round:"
  echo
  echo "| round | $(IFS='|'; sed 's/|/ | /g' <<<"${targets[*]}") | CloudLab by id × bare | × minimal |"
  echo "|---|$(printf -- '---:|%.0s' "${targets[@]}")---:|---:|"
  for round in $(seq 1 "$rounds"); do round_row "$round"; done
  echo
  echo "Reproduce: \`CloudLab.Benchmarks/reads/compare.sh\`."
} >"$report"
cat "$report"
log "report: $report"
