# Sourced: defines gauges, which prints OrderService's bound on requests in flight, its requests in flight and its GC
# pause total so far (seconds), read from its /metrics; empty fields while it does not answer.
gauges() { curl -s -m 1 http://127.0.0.1:5103/metrics |
  awk '/^rate_limit_concurrency_limit\{/ {l=$NF} /^rate_limit_requests_in_flight\{/ {f=$NF}
       /^dotnet_gc_pause_time_seconds_total\{/ {g=$NF} END {print l, f, g}'; }
