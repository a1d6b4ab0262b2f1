#!/usr/bin/env bash
# renice-loop.sh <pid> <nice>: every 2 s, sets every thread of <pid> to <nice> (niceness is per thread on Linux)
while kill -0 $1 2>/dev/null; do
  for t in /proc/$1/task/*; do renice -n $2 -p ${t##*/} >/dev/null 2>&1; done
  sleep 2
done
