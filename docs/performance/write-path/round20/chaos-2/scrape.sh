#!/usr/bin/env bash
# every 0.25 s: time, number of postgres processes, OrderService's requests in flight and concurrency limit
out=$1
while true; do
  n=$(pgrep -c -x postgres)
  m=$(curl -s -m 0.2 localhost:5103/metrics 2>/dev/null | grep -E '^rate_limit_(concurrency_limit|requests_in_flight)' | awk '{print $NF}' | paste -sd' ')
  echo "$(date +%T.%N | cut -c1-12) pg=$n order=[$m]" >> $out
  sleep 0.25
done
