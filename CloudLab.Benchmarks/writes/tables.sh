#!/usr/bin/env bash
# What an order costs PostgreSQL's tables and Redis's commands: each table's inserts, updates (and how many of them were
# heap-only, "HOT", which write no index entry), deletes and autovacuum runs per second, and each Redis command's calls
# and microseconds of Redis's time per order (per row inserted into orders), from pg_stat_user_tables and INFO
# commandstats read 20 s and 50 s into the measured minute of an order target run.
#
#   CloudLab.Benchmarks/writes/tables.sh <output folder> [driver options, e.g. --scale 0.6]
#                                          (build Release first; run under the shared lock)
#
# Runs `run target --services order --duration 60 --warmup 120 --start-app` (start-order-run.sh); psql and
# redis-cli come with the local PostgreSQL and Redis (./cloudlab.sh setup). Connection strings are read from
# ProductService's environment, as compare.sh does.
set -uo pipefail
source "$(dirname "$0")/start-order-run.sh" "$@"
source CloudLab.Benchmarks/reads/pid-of.sh
until [ -n "$(pid_of 5102)" ]; do sleep 1; done
environment=$(tr '\0' '\n' <"/proc/$(pid_of 5102)/environ")
postgres=$(sed -n 's/^ConnectionStrings__productdb=//p' <<<"$environment")
redis=$(sed -n 's/^ConnectionStrings__redis=//p' <<<"$environment")
setting() { grep -o "$1=[^;]*" <<<"$postgres" | cut -d= -f2-; }
export PGHOST=$(setting Host) PGPORT=$(setting Port) PGUSER=$(setting Username) PGPASSWORD=$(setting Password)
redis_address=${redis%%,*}
redis_password=$(grep -o 'password=[^,]*' <<<"$redis" | cut -d= -f2- || true)

snapshot() { # snapshot <suffix>
  local database
  for database in $(psql -d postgres -Atc "SELECT datname FROM pg_database WHERE datname LIKE '%db'"); do
    psql -d "$database" -AtF' ' -c "SELECT '$database', relname, n_tup_ins, n_tup_upd, n_tup_hot_upd, n_tup_del,
      autovacuum_count, autoanalyze_count FROM pg_stat_user_tables"
  done >"$out/tables-$1.txt"
  redis-cli -h "${redis_address%:*}" -p "${redis_address##*:}" ${redis_password:+-a "$redis_password"} \
    --no-auth-warning info commandstats >"$out/commands-$1.txt"
}
sleep 140
snapshot 1
sleep 30
snapshot 2
wait "$driver"
grep -A 4 "order target" "$out/driver.log"
python3 - "$out" <<'PY'
import re, sys
folder, seconds = sys.argv[1], 30
def tables(suffix):
    rows = {}
    for line in open(f'{folder}/tables-{suffix}.txt'):
        fields = line.split()
        if len(fields) == 8:
            rows[(fields[0], fields[1])] = [int(value) for value in fields[2:]]
    return rows
def commands(suffix):
    rows = {}
    for line in open(f'{folder}/commands-{suffix}.txt'):
        found = re.match(r'cmdstat_(\S+):calls=(\d+),usec=(\d+)', line)
        if found:
            rows[found.group(1)] = (int(found.group(2)), int(found.group(3)))
    return rows
before, after = tables(1), tables(2)
# Per order: per row inserted into orders over the same 30 s.
orders = after[('orderdb', 'orders')][0] - before[('orderdb', 'orders')][0]
print('\n| database | table | inserts/s | updates/s | of them HOT | deletes/s | autovacuums | autoanalyzes |')
print('|---|---|---:|---:|---:|---:|---:|---:|')
for key in sorted(after):
    delta = [a - b for a, b in zip(after[key], before.get(key, [0] * 6))]
    if any(delta):
        ins, upd, hot, dele, vac, ana = delta
        print(f'| {key[0]} | {key[1]} | {ins / seconds:,.1f} | {upd / seconds:,.1f} | {hot / seconds:,.1f} '
              f'| {dele / seconds:,.1f} | {vac} | {ana} |')
before, after = commands(1), commands(2)
print('\n| Redis command | calls per order | µs of Redis per order | µs per call |\n|---|---:|---:|---:|')
rows = [(after[name][1] - before.get(name, (0, 0))[1], after[name][0] - before.get(name, (0, 0))[0], name)
        for name in after]
for usec, calls, name in sorted(rows, reverse=True):
    if calls:
        print(f'| {name} | {calls / orders:.2f} | {usec / orders:.1f} | {usec / calls:.1f} |')
PY
