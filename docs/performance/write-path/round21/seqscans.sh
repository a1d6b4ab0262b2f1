#!/usr/bin/env bash
# seqscans.sh <file> <delay>: after <delay> s, per database, tables' seq scans and rows they read
sleep $2
port=$(pgrep -a -x postgres | grep -o -- '-p [0-9]*' | head -1 | cut -d' ' -f2)
for db in orderdb paymentdb productdb analyticsdb userdb; do
  psql -h 127.0.0.1 -p $port -U postgres -d $db -tAF' ' -c "SELECT '$db', relname, seq_scan, seq_tup_read, idx_scan FROM pg_stat_user_tables ORDER BY seq_tup_read DESC LIMIT 6"
done > $1
