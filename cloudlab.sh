#!/usr/bin/env bash
# CloudLab's two commands (and what they need):
#   ./cloudlab.sh run     build and start the whole app (PostgreSQL, Redis, five services) with the Aspire dashboard
#   ./cloudlab.sh test    build and run every test; the last line is "N passed, N failed, N skipped"
#   ./cloudlab.sh setup   only install what is missing (redis-server, promtool); run and test do this first
# Extra arguments after `run` go to the AppHost, e.g. ./cloudlab.sh run --Infrastructure:Mode=containers
set -euo pipefail
cd "$(dirname "$0")"

die() { echo "cloudlab: $*" >&2; exit 1; }

apt_install() { # apt_install <package> <what it provides>
  if [ "$(id -u)" -ne 0 ] && ! command -v sudo >/dev/null; then
    die "$2 is missing: install the Debian package '$1' (apt-get install $1) and try again."
  fi
  local as_root=""; [ "$(id -u)" -ne 0 ] && as_root="sudo"
  echo "cloudlab: installing $1 (for $2)..."
  export DEBIAN_FRONTEND=noninteractive
  if ! { timeout 600 $as_root apt-get update -qq && timeout 900 $as_root apt-get install -y -qq --no-install-recommends "$1"; } >/tmp/cloudlab-apt.log 2>&1; then
    die "$2 is missing and 'apt-get install $1' failed (see /tmp/cloudlab-apt.log): install it and try again."
  fi
}

setup() {
  command -v dotnet >/dev/null || die "the .NET SDK is missing: install .NET 10 (https://dot.net) and try again."
  if ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 && ! command -v postgres >/dev/null; then
    if docker info >/dev/null 2>&1; then
      echo "cloudlab: no local PostgreSQL binaries; a container engine answers, so the app will use containers."
    else
      apt_install postgresql "PostgreSQL (initdb, postgres)"
    fi
  fi
  command -v redis-server >/dev/null || docker info >/dev/null 2>&1 || apt_install redis-server "Redis (redis-server)"
}

setup_test_tools() {
  command -v promtool >/dev/null || apt_install prometheus "promtool (Prometheus rule tests)"
}

case "${1:-}" in
  setup)
    setup
    setup_test_tools
    echo "cloudlab: everything needed is installed."
    ;;
  run)
    shift
    setup
    dotnet build CloudLab.AppHost -v quiet -nologo
    exec dotnet run --project CloudLab.AppHost --no-build --launch-profile http -- "$@"
    ;;
  test)
    setup
    setup_test_tools
    dotnet build CloudLab.sln -v quiet -nologo
    results=$(mktemp -d)
    status=0
    timeout 3000 dotnet test CloudLab.Tests --no-build --logger "trx;LogFileName=results.trx" --results-directory "$results" \
      --logger "console;verbosity=normal" || status=$?
    counters=$(grep -o '<Counters [^>]*>' "$results/results.trx" 2>/dev/null || true)
    count() { echo "$counters" | sed -n "s/.* $1=\"\([0-9]*\)\".*/\1/p"; }
    passed=$(count passed); failed=$(count failed); total=$(count total); executed=$(count executed)
    [ -n "$total" ] || { echo "0 passed, 1 failed"; die "the test run produced no results (exit $status)."; }
    skipped=$(( total - ${executed:-0} ))
    # The console log of a long run scrolls the failures out of view, so they are repeated last, above the totals.
    [ "${failed:-0}" = 0 ] || python3 - "$results/results.trx" <<'PY' || true
import sys, xml.etree.ElementTree as ET
ns = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}
for r in ET.parse(sys.argv[1]).getroot().iterfind(".//t:UnitTestResult[@outcome='Failed']", ns):
    message = r.findtext(".//t:ErrorInfo/t:Message", "", ns).strip()
    stack = r.findtext(".//t:ErrorInfo/t:StackTrace", "", ns).strip().splitlines()
    print(f"FAILED {r.get('testName')} ({r.get('duration')})")
    print("  " + "\n  ".join(message.splitlines()[:30] + stack[:8]))
PY
    echo "${passed:-0} passed, ${failed:-0} failed, ${skipped} skipped"
    exit "$status"
    ;;
  *)
    sed -n '2,6p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
    ;;
esac
