# Sourced by the scripts of this folder with their output folder: starts CloudLab with the load settings of the load
# driver's --start-app (variables exported before, e.g. DOTNET_PerfMapEnabled, reach the services), stops it on exit,
# waits until the five services are healthy and writes the 1,000 seeded product ids to "$out/ids" (md5 of
# cloudlab-product-N, as CatalogSeeder makes them). Leaves out, root and app set, and the current folder at root;
# defines pid_of <port> and sign_in_token.
out=$(mkdir -p "$1" && cd "$1" && pwd)
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
cd "$root"
mapfile -t settings < <(sed -n '/LoadSettings =/,/];/p' CloudLab.LoadTests/Engine/AppProcess.cs | grep -o '"--[^"]*"' |
  tr -d '"')
dotnet run --no-build --configuration Release --project CloudLab.AppHost --launch-profile http -- "${settings[@]}" \
  >"$out/apphost.log" 2>&1 &
app=$!
cleanup() {
  pkill -TERM -P "$app" 2>/dev/null
  for _ in $(seq 60); do kill -0 "$app" 2>/dev/null || break; sleep 1; done
  local left
  left=$(pgrep -f "^$root/" || true)
  if [ -n "$left" ]; then sleep 10; kill -KILL $(pgrep -f "^$root/") 2>/dev/null; fi
  true
}
trap cleanup EXIT
deadline=$((SECONDS + 240))
for port in 5101 5102 5103 5104 5105; do
  until [[ "$(curl -s -m 2 "http://127.0.0.1:$port/health" || true)" =~ ^(Healthy|Degraded)$ ]]; do
    [ $SECONDS -lt $deadline ] || { echo "port $port not healthy" >&2; exit 1; }
    sleep 1
  done
done
for n in $(seq 1 1000); do
  printf 'cloudlab-product-%d' "$n" | md5sum | sed -E 's/^(.{8})(.{4})(.{4})(.{4})(.{12}).*/\1-\2-\3-\4-\5/'
done >"$out/ids"

# pid_of <port>: the service process listening on a port.
source "$root/CloudLab.Benchmarks/reads/pid-of.sh"

# A load-test customer's access token (seeded by Seed:LoadTestUsers).
sign_in_token() {
  local login
  login=$(curl -sf -X POST http://127.0.0.1:5101/api/auth/login -H 'content-type: application/json' \
    -d '{"email":"loadtest-1@cloudlab.local","password":"LoadTest#2026"}')
  sed -n 's/.*"accessToken":"\([^"]*\)".*/\1/p' <<<"$login"
}
