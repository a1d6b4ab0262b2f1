#!/usr/bin/env bash
# What the kernel does per request for each read endpoint: system calls, context switches and TCP segments per request
# of ProductService and UserService under wrk, and the full response headers of each endpoint.
#
#   CloudLab.Benchmarks/reads/profile/syscalls.sh <output folder>    (build Release first; run under the shared lock)
#
# Starts CloudLab as profile.sh does. Each target gets 10 s of wrk warm-up, then 10 s of wrk -t2 -c64 with
# `perf stat` counting the service's system calls (tracepoints) and context switches, and nstat the TCP segments of the
# whole machine (wrk's included). Prints one table: counts per request.
set -uo pipefail
source "$(dirname "$0")/start-cloudlab.sh" "$1"
first=$(head -n 1 "$out/ids")
token=$(sign_in_token)
product=$(pid_of 5102); user=$(pid_of 5101)
{
  for url in "http://127.0.0.1:5102/api/products/$first" http://127.0.0.1:5102/calibration/bare \
    "http://127.0.0.1:5102/api/products?page=1&page_size=20"; do
    echo "== $url"; curl -s -D - -o /dev/null "$url"
  done
  echo "== /api/users/me"; curl -s -D - -o /dev/null -H "Authorization: Bearer $token" http://127.0.0.1:5101/api/users/me
} >"$out/headers.txt"
events=syscalls:sys_enter_sendmsg,syscalls:sys_enter_sendto,syscalls:sys_enter_writev,syscalls:sys_enter_write
events+=,syscalls:sys_enter_recvmsg,syscalls:sys_enter_recvfrom,syscalls:sys_enter_read
events+=,syscalls:sys_enter_epoll_wait,syscalls:sys_enter_epoll_pwait,syscalls:sys_enter_epoll_ctl
events+=,syscalls:sys_enter_futex,syscalls:sys_enter_sched_yield,context-switches,cpu-migrations,task-clock
lua=CloudLab.Benchmarks/reads/reads.lua
run() { # run <name> <pid> <url> <ids file or ""> [wrk arguments]
  local name=$1 pid=$2 url=$3 ids=$4
  shift 4
  READS_IDS=$ids wrk -t2 -c64 -d10s -s $lua "$@" "$url" >"$out/$name.warmup.txt" 2>&1
  nstat -n
  READS_IDS=$ids perf stat -x, -o "$out/$name.stat" -e "$events" -p "$pid" -- \
    wrk -t2 -c64 -d10s -s $lua "$@" "$url" >"$out/$name.txt" 2>&1
  nstat -z TcpOutSegs TcpExtTCPDelivered 2>/dev/null >"$out/$name.nstat"
  local requests
  requests=$(sed -n 's/^RESULT requests=\([0-9]*\).*/\1/p' "$out/$name.txt")
  awk -F, -v name="$name" -v requests="$requests" -v nstat="$out/$name.nstat" '
    /^[0-9]/ { value[$3] = $1 }
    END {
      while ((getline line < nstat) > 0) { split(line, f, " "); if (f[1] == "TcpOutSegs") segments = f[2] }
      printf "%-10s req/s %7.0f  send %.2f  write %.2f  recv %.2f  epoll_wait %.2f  epoll_ctl %.2f  futex %.2f", \
        name, requests / 10, (value["syscalls:sys_enter_sendmsg"] + value["syscalls:sys_enter_sendto"]) / requests, \
        (value["syscalls:sys_enter_writev"] + value["syscalls:sys_enter_write"]) / requests, \
        (value["syscalls:sys_enter_recvmsg"] + value["syscalls:sys_enter_recvfrom"] + \
          value["syscalls:sys_enter_read"]) / requests, \
        (value["syscalls:sys_enter_epoll_wait"] + value["syscalls:sys_enter_epoll_pwait"]) / requests, \
        value["syscalls:sys_enter_epoll_ctl"] / requests, value["syscalls:sys_enter_futex"] / requests
      printf "  cs %.2f  migrations %.3f  task-clock µs %.1f  tcp segments %.2f\n", \
        value["context-switches"] / requests, value["cpu-migrations"] / requests, \
        value["task-clock"] * 1000 / requests, segments / requests
    }' "$out/$name.stat" | tee -a "$out/summary.txt"
}
run product "$product" http://127.0.0.1:5102/api/products/ "$out/ids"
run product1 "$product" "http://127.0.0.1:5102/api/products/$first" ""
run bare "$product" http://127.0.0.1:5102/calibration/bare ""
run me "$user" http://127.0.0.1:5101/api/users/me "" -H "Authorization: Bearer $token"
