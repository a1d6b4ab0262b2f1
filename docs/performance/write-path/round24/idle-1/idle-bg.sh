#!/usr/bin/env bash
# Experiment: background work runs at SCHED_IDLE (AnalyticsService, PG autovacuum workers, analyticsdb backends).
declare -A done
while true; do
  for pid in $(pgrep -f "CloudLab.AnalyticsService" ) $(ps -eo pid,args | awk '/autovacuum worker|analyticsdb/ && !/awk/ {print $1}'); do
    for t in /proc/$pid/task/*; do
      tid=${t##*/}
      [ -n "${done[$tid]:-}" ] && continue
      chrt -i -p 0 "$tid" 2>/dev/null && done[$tid]=1
    done
  done
  sleep 1
done
