#!/usr/bin/env bash
# What an order costs PostgreSQL's tables and statements and Redis's commands: each table's inserts, updates (and how
# many of them were heap-only, "HOT", which write no index entry), deletes and autovacuum runs per second; each
# database's transactions per order; each statement's calls, execution and planning milliseconds and WAL records per
# order, and how many of its calls were planned anew; and each Redis command's calls and microseconds of Redis's time
# per order (per row inserted into orders). From pg_stat_user_tables, pg_stat_database, pg_stat_statements and INFO
# commandstats, read 20 s and 50 s into the measured minute of an order target run. The local PostgreSQL loads
# pg_stat_statements for this run only (CLOUDLAB_POSTGRES_SETTINGS, read by the AppHost's postgres-local.sh): it costs
# each statement a little, so compare latencies from batches.sh, not from here.
#
#   CloudLab.Benchmarks/writes/tables.sh <output folder> [driver options, e.g. --scale 0.6]
#                                          (build Release first; run under the shared lock)
#
# Runs `run target --services order --duration 60 --warmup 120 --start-app` (start-order-run.sh); psql and
# redis-cli come with the local PostgreSQL and Redis (./cloudlab.sh setup). Connection strings are read from
# ProductService's environment, as compare.sh does.
set -uo pipefail
export CLOUDLAB_POSTGRES_SETTINGS="-c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.track=all
  -c pg_stat_statements.track_planning=on"
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
  psql -d postgres -AtF' ' -c "SELECT datname, xact_commit FROM pg_stat_database WHERE datname LIKE '%db'" \
    >"$out/transactions-$1.txt"
  if [ "$1" = 1 ]; then # the statements from here on
    psql -d postgres -qAt -c "CREATE EXTENSION IF NOT EXISTS pg_stat_statements" \
      -c "SELECT pg_stat_statements_reset()" >/dev/null
  else
    psql -d postgres -AtF$'\t' -c "SELECT d.datname, s.calls, s.plans, s.total_exec_time, s.total_plan_time,
      s.wal_records, regexp_replace(s.query, '\s+', ' ', 'g') FROM pg_stat_statements s
      JOIN pg_database d ON d.oid = s.dbid WHERE d.datname LIKE '%db'" >"$out/statements-2.txt"
  fi
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
def transactions(suffix):
    return {line.split()[0]: int(line.split()[1]) for line in open(f'{folder}/transactions-{suffix}.txt')}
before, after = transactions(1), transactions(2)
print('\n| database | transactions per order |\n|---|---:|')
for name in sorted(after):
    print(f'| {name} | {(after[name] - before.get(name, 0)) / orders:.3f} |')
# Reset at the first reading, so the second holds the 30 s between them. plans = calls: planned at every call (a
# custom plan); fewer: a cached generic plan served the rest.
statements = [line.rstrip('\n').split('\t') for line in open(f'{folder}/statements-2.txt') if line.count('\t') == 6]
statements.sort(key=lambda row: -(float(row[3]) + float(row[4])))
print('\n| database | statement | calls per order | exec ms per order | plan ms per order | planned calls | '
      'WAL records per order |\n|---|---|---:|---:|---:|---:|---:|')
for database, calls, plans, exec_ms, plan_ms, wal, query in statements[:25]:
    print(f'| {database} | `{query[:90]}` | {int(calls) / orders:.3f} | {float(exec_ms) / orders:.3f} '
          f'| {float(plan_ms) / orders:.3f} | {plans} of {calls} | {int(wal) / orders:.2f} |')
total = [sum(float(row[i]) for row in statements) for i in (3, 4, 5)]
print(f'| all | {len(statements)} statements | | {total[0] / orders:.3f} | {total[1] / orders:.3f} | '
      f'| {total[2] / orders:.2f} |')
before, after = commands(1), commands(2)
print('\n| Redis command | calls per order | µs of Redis per order | µs per call |\n|---|---:|---:|---:|')
rows = [(after[name][1] - before.get(name, (0, 0))[1], after[name][0] - before.get(name, (0, 0))[0], name)
        for name in after]
for usec, calls, name in sorted(rows, reverse=True):
    if calls:
        print(f'| {name} | {calls / orders:.2f} | {usec / orders:.1f} | {usec / calls:.1f} |')
PY
