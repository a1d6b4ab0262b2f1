#!/usr/bin/env bash
# pgact.sh <file>: every 0.5 s, the time and, per database, PostgreSQL client backends: total/active. Stop it with kill.
out=$1
while true; do
  port=$(pgrep -a -x postgres | grep -o -- '-p [0-9]*' | head -1 | cut -d' ' -f2)
  if [ -n "$port" ]; then
    line=$(timeout 1 psql -h 127.0.0.1 -p "$port" -U postgres -d postgres -tAF' ' -c \
      "SELECT datname, count(*), count(*) FILTER (WHERE state='active') FROM pg_stat_activity WHERE backend_type='client backend' AND datname IS NOT NULL GROUP BY 1 ORDER BY 1" 2>/dev/null | awk '{printf "%s=%s/%s ", $1, $2, $3}')
    echo "$(date +%T.%N | cut -c1-12) $line" >> "$out"
  fi
  sleep 0.5
done
