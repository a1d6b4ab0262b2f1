#!/bin/sh
# Runs CloudLab's local PostgreSQL server from the machine's binaries (used when no container engine answers).
# Usage: postgres-local.sh <data-dir> <persistent|ephemeral> <database>...   (port from $PGPORT)
# PostgreSQL refuses to run as root, so as root the server runs as the 'postgres' user.
set -eu

data_dir=$1
lifetime=$2
shift 2
port=${PGPORT:?PGPORT is not set}

bin_dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -n "$bin_dir" ] || bin_dir=$(dirname "$(command -v postgres 2>/dev/null || echo /nonexistent/postgres)")
if [ ! -x "$bin_dir/postgres" ] || [ ! -x "$bin_dir/initdb" ]; then
  echo "PostgreSQL server binaries (initdb, postgres) were not found: install them with 'apt-get install postgresql', or start a container engine." >&2
  exit 1
fi

# Replaces the calling (sub)shell with the command, run as the postgres user when root.
exec_as_postgres() {
  if [ "$(id -u)" = 0 ]; then
    exec setpriv --reuid=postgres --regid=postgres --init-groups "$@"
  else
    exec "$@"
  fi
}

as_postgres() {
  (exec_as_postgres "$@")
}

mkdir -p "$data_dir"
if [ "$(id -u)" = 0 ]; then
  chown postgres:postgres "$data_dir"
  chmod 700 "$data_dir"
  if ! as_postgres test -w "$data_dir"; then
    # The postgres user cannot reach a data directory below a private home (e.g. /root): keep the data elsewhere.
    data_dir=/var/lib/cloudlab/$(printf '%s' "$data_dir" | cksum | cut -d' ' -f1)/postgres
    mkdir -p "$data_dir"
    chown postgres:postgres "$data_dir"
    chmod 700 "$data_dir"
    echo "The postgres user cannot reach the configured data directory; using $data_dir"
  fi
fi

if [ ! -f "$data_dir/PG_VERSION" ]; then
  echo "Initialising a new PostgreSQL data directory in $data_dir"
  as_postgres "$bin_dir/initdb" -D "$data_dir" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >/dev/null
fi

# Settings sized for a developer machine running five services with pooled connections, and any extra ones a run asks
# for in CLOUDLAB_POSTGRES_SETTINGS, split on spaces (CloudLab.Benchmarks/writes/tables.sh loads pg_stat_statements so:
# the module must be loaded at the server's start).
# The background job execs the server, so $! is the server's own pid and the trap below signals the server itself.
# shellcheck disable=SC2086
exec_as_postgres "$bin_dir/postgres" -D "$data_dir" -p "$port" \
  -c listen_addresses=localhost \
  -c unix_socket_directories= \
  -c max_connections=400 \
  -c shared_buffers=256MB \
  -c effective_cache_size=1GB \
  -c work_mem=8MB \
  -c log_min_duration_statement=100 \
  -c log_line_prefix='%m [%p] %d ' ${CLOUDLAB_POSTGRES_SETTINGS:-} 2>&1 &
pid=$!

# Aspire stops executables with SIGTERM; PostgreSQL's fast shutdown is SIGINT (SIGTERM would wait for every client).
trap 'kill -INT "$pid" 2>/dev/null' INT TERM

until "$bin_dir/pg_isready" -q -h 127.0.0.1 -p "$port"; do
  kill -0 "$pid" 2>/dev/null || { wait "$pid"; exit 1; }
  sleep 0.2
done

for database in "$@"; do
  exists=$("$bin_dir/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$database'")
  if [ "$exists" != 1 ]; then
    "$bin_dir/psql" -q -h 127.0.0.1 -p "$port" -U postgres -d postgres -c "CREATE DATABASE \"$database\""
    echo "Created database $database"
  fi
done
echo "PostgreSQL is ready on port $port"

status=0
while kill -0 "$pid" 2>/dev/null; do
  wait "$pid" || status=$?
done

if [ "$lifetime" = ephemeral ]; then
  rm -rf "$data_dir"
fi
exit "$status"
