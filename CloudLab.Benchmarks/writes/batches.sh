#!/usr/bin/env bash
# Batches per second, mean batch size, a request's mean wait for a batch and a batch's mean run, for each write
# stage during an order target run: the services' write_batch_size, write_batch_wait_seconds and
# write_batch_duration_seconds histograms (/metrics) read 20 s and 50 s into the measured minute. Then an order's
# critical path from the same two readings: OrderService's request, its wait for a placement batch, and the mean of
# each step a batch takes in turn (claims, reservation call, charge call, commit, list-tag invalidation), with what
# ProductService and PaymentService report for the same calls.
#
#   CloudLab.Benchmarks/writes/batches.sh <output folder> [driver options, e.g. --scale 0.6]
#                                          (build Release first; run under the shared lock)
#
# Runs `run target --services order --duration 60 --warmup 120 --start-app`; prints the driver's summary (CPU per
# order by process), OrderService's bound on requests in flight over the minute, and one line per stage. Fewer, larger
# batches are what makes an order cheaper: every batch pays a transaction or an HTTP exchange whatever its size.
set -uo pipefail
source "$(dirname "$0")/start-order-run.sh" "$@"
snapshot() { # ProductService, OrderService, PaymentService, AnalyticsService; every histogram's sum and count, the
  # batch sizes' buckets, and the runtime's GC counters
  for port in 5102 5103 5104 5105; do
    curl -s -m 3 "http://127.0.0.1:$port/metrics" |
      grep -E '^([a-z_]+_(sum|count)\{|write_batch_size_bucket\{|dotnet_gc_(collections|pause_time))' |
      sed "s/^/$port /"
  done >"$1"
}
sleep 120
# OrderService's bound on requests in flight through the measured minute, once a second ("$out/limit.txt": seconds
# into the window, bound, in flight, GC pause seconds so far): a bound that binds at the target rate refuses orders,
# as it did for 18 % of them in one run of eleven in round 21 (`target-final-b`). Read four times a second, with a
# date and two awks per reading, "other" rose to 0.66 ms per order (0.26-0.48 without; 0.41 once a second).
(
  start=${EPOCHREALTIME/./}
  : >"$out/limit.txt"
  while kill -0 "$driver" 2>/dev/null; do
    tenths=$(((${EPOCHREALTIME/./} - start) / 100000))
    echo "$((tenths / 10)).$((tenths % 10)) $(gauges)" >>"$out/limit.txt"
    sleep 1
  done
) &
sleep 20
snapshot "$out/batches-1.txt"
sleep 30
snapshot "$out/batches-2.txt"
wait "$driver"
grep -A 4 "order target" "$out/driver.log"
awk '$1 < 60 && $2 != "" {
       n++; if (min == "" || $2 < min) min = $2; if ($2 > max) max = $2; if ($2 <= $3 + 1) full++ }
     END { print "OrderService'"'"'s bound on requests in flight:", min, "to", max,
                 "(" n " readings, " full + 0 " with it full)" }' "$out/limit.txt"
python3 - "$out" <<'PY'
import re, sys
def load(path):
    values = {}
    for line in open(path):
        found = re.match(r'(\d+) ([a-z_]+)_(sum|count)\{(.*)\} (\S+)', line)
        if found:
            port, name, kind, labels, value = found.groups()
            labels = dict(re.findall(r'(\w+)="([^"]*)"', labels))
            key = (port, name, tuple(sorted((k, v) for k, v in labels.items() if not k.startswith('otel_scope'))))
            values.setdefault(key, {})[kind] = float(value)
    return values
before, after = load(sys.argv[1] + '/batches-1.txt'), load(sys.argv[1] + '/batches-2.txt')
def mean(port, name, **labels):
    """Calls per second and mean (ms for seconds histograms) over the 30 s between the readings, summed over the
    series whose labels include the given ones."""
    count = total = 0.0
    for (p, n, tags), now in after.items():
        if p == port and n == name and all((k, v) in tags for k, v in labels.items()):
            then = before.get((p, n, tags), {})
            count += now.get('count', 0) - then.get('count', 0)
            total += now.get('sum', 0) - then.get('sum', 0)
    scale = 1000 if name.endswith('_seconds') else 1
    return count / 30, (total / count * scale if count else 0.0)
def wait_and_run(port, stage):
    return (mean(port, 'write_batch_wait_seconds', stage=stage)[1],
            mean(port, 'write_batch_duration_seconds', stage=stage)[1])
stages = sorted({dict(tags).get('stage') for (_, name, tags) in after if name == 'write_batch_size'} - {None})
for stage in stages:
    port = next(p for (p, n, tags) in after if n == 'write_batch_size' and ('stage', stage) in tags)
    rate, size = mean(port, 'write_batch_size', stage=stage)
    if rate:
        wait, run = wait_and_run(port, stage)
        print(f'{stage:18} {rate:7.1f} batches/s   mean size {size:6.1f}   {rate * size:7.1f} requests/s'
              f'   mean wait {wait:6.1f} ms   mean run {run:6.1f} ms')
order, product, payment = '5103', '5102', '5104'
rows = [
    ('POST /api/orders (OrderService, 201)',
     mean(order, 'api_request_duration_seconds', route='/api/orders/', status='201')),
    ('  wait for a placement batch', mean(order, 'write_batch_wait_seconds', stage='order_placement')),
    ('  placement batch, whole run', mean(order, 'write_batch_duration_seconds', stage='order_placement')),
    ('    claim the keys (order_requests)',
     mean(order, 'database_query_duration_seconds', operation='claim', table='order_requests')),
    ('    reservation call (OrderService sees)',
     mean(order, 'http_client_request_duration_seconds', server_port=product)),
    ('      ProductService answers it in',
     mean(product, 'api_request_duration_seconds', route='/api/products/reservations/batch')),
    ('        wait · run of stock_reservation', wait_and_run(product, 'stock_reservation')),
    ('        wait · run of product_cache_write', wait_and_run(product, 'product_cache_write')),
    ('    charge call (OrderService sees)', mean(order, 'http_client_request_duration_seconds', server_port=payment)),
    ('      PaymentService answers it in', mean(payment, 'api_request_duration_seconds', route='/api/payments/batch')),
    ('        wait · run of payment_claim', wait_and_run(payment, 'payment_claim')),
    ('        one gateway call (client · simulator)',
     (mean(payment, 'http_client_request_duration_seconds')[1],
      mean(payment, 'api_request_duration_seconds', route='/simulated-gateway/charges')[1])),
    ('        wait · run of payment_settle', wait_and_run(payment, 'payment_settle')),
    ('    commit orders and events', mean(order, 'database_query_duration_seconds', operation='complete_many')),
    ("    drop the owners' list tags",
     mean(order, 'cache_operation_duration_seconds', cache='tags', operation='invalidate')),
]
request, wait, run = rows[0][1][1], rows[1][1][1], rows[2][1][1]
# Runs are counted once per batch, requests once per order: larger batches run longer, so an order's run is longer
# than a batch's mean. (A probe in one run, 2026-11-30: the size-weighted run was ~1.2 times the batch mean; the
# pipeline before and after the handler took 0.3 ms, and an answer waited ~2 ms for its thread after its batch.)
rows.insert(2, ('  the rest: orders ride the larger, longer batches', (0.0, request - wait - run)))
def gc(path):
    values = {}
    for line in open(path):
        found = re.match(r'(\d+) dotnet_gc_(collections|pause_time)\w*(\{.*\})? (\S+)', line)
        if found:
            port, kind, labels, value = found.groups()
            generation = re.search(r'gc_heap_generation="(\w+)"', labels or '')
            key = (port, kind, generation.group(1) if generation else '')
            values[key] = values.get(key, 0.0) + float(value)
    return values
gc_before, gc_after = gc(sys.argv[1] + '/batches-1.txt'), gc(sys.argv[1] + '/batches-2.txt')
if gc_after:
    print()
    print('GC over the 30 s, per service: share of the time paused, mean pause, collections per second by generation')
    for port, name in (('5102', 'ProductService'), ('5103', 'OrderService'), ('5104', 'PaymentService'),
                       ('5105', 'AnalyticsService')):
        delta = {k[1:]: v - gc_before.get(k, 0.0) for k, v in gc_after.items() if k[0] == port}
        paused = delta.get(('pause_time', ''), 0.0)
        counts = {generation: n for (kind, generation), n in delta.items() if kind == 'collections'}
        total = sum(counts.values())
        by_generation = '  '.join(f'{generation} {n / 30:.2f}/s' for generation, n in sorted(counts.items()))
        mean_pause = paused / total * 1000 if total else 0.0
        print(f'{name:18} {paused / 30 * 100:5.1f} % paused   mean pause {mean_pause:5.1f} ms   {by_generation}')

def buckets(path):
    values = {}
    for line in open(path):
        found = re.match(r'\d+ write_batch_size_bucket\{(.*)\} (\S+)', line)
        if found:
            labels = dict(re.findall(r'(\w+)="([^"]*)"', found.group(1)))
            bound = float('inf') if labels['le'] == '+Inf' else float(labels['le'])
            values[(labels.get('stage'), bound)] = float(found.group(2))
    return values
# Batch sizes by bucket (1, 2, 3-4, 5-8, ...): the mean hides whether a stage runs the batches it is handed whole. A
# stage fed by batch calls should not run more, smaller batches than the caller (round 27: a loop woken by a call's
# first order took it alone until the orders were queued as one group).
sizes_before, sizes_after = buckets(sys.argv[1] + '/batches-1.txt'), buckets(sys.argv[1] + '/batches-2.txt')
if sizes_after:
    print()
    print('batch sizes over the 30 s, share of the batches by size')
    for stage in sorted({stage for stage, _ in sizes_after}):
        bounds = sorted(bound for s, bound in sizes_after if s == stage)
        total = sizes_after[(stage, float('inf'))] - sizes_before.get((stage, float('inf')), 0)
        previous, lower, cells = 0.0, 1, []
        for bound in bounds:
            count = sizes_after[(stage, bound)] - sizes_before.get((stage, bound), 0)
            if count > previous and total:
                label = (f'{lower:g}' if bound == lower else f'{lower:g}+' if bound == float('inf')
                         else f'{lower:g}-{bound:g}')
                cells.append(f'{label}: {(count - previous) / total * 100:.0f} %')
            previous, lower = count, (bound + 1 if bound != float('inf') else lower)
        print(f'{stage:18} {total:6.0f} batches   ' + '   '.join(cells))
print()
print("an order's critical path, mean ms (per second)")
for label, (first, second) in rows:
    text = (f'{first:7.1f} · {second:6.1f}' if '·' in label
            else f'{second:7.1f}' if not first else f'{second:7.1f}   ({first:.1f}/s)')
    print(f'{label:50} {text}')
PY
