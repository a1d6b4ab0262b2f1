#!/usr/bin/env python3
"""cpumon.py <file> [seconds]: every second, CPU ms per process (the services, PostgreSQL summed, Redis, the driver) and
OrderService's bound, requests in flight and JIT time so far (from its /metrics). Named by /proc comm (15 characters)."""
import os, sys, time, re, urllib.request
out = open(sys.argv[1], 'w')
tck = os.sysconf('SC_CLK_TCK')
def snap():
    d = {}
    for p in os.listdir('/proc'):
        if not p.isdigit(): continue
        try:
            s = open(f'/proc/{p}/stat').read()
            comm = s[s.index('(')+1:s.rindex(')')]
            f = s[s.rindex(')')+2:].split()
            t = (int(f[11]) + int(f[12])) * 1000 / tck
        except Exception: continue
        key = comm
        if comm.startswith('postgres'): key = 'postgres'
        d[key] = d.get(key, 0) + t
    return d
def metric():
    try:
        txt = urllib.request.urlopen('http://127.0.0.1:5103/metrics', timeout=1).read().decode()
    except Exception: return ''
    vals = {}
    for name in ('rate_limit_concurrency_limit', 'rate_limit_requests_in_flight', 'dotnet_jit_compilation_time_seconds_total'):
        m = re.search('^' + name + r'(\{[^}]*\})? (\S+)', txt, re.M)
        if m: vals[name] = m.group(2)
    return ' '.join(vals.get(n, '-') for n in ('rate_limit_concurrency_limit', 'rate_limit_requests_in_flight', 'dotnet_jit_compilation_time_seconds_total'))
prev = snap(); t0 = time.time()
keys = ['CloudLab.OrderS', 'CloudLab.Paymen', 'CloudLab.Produc', 'CloudLab.Analyt', 'postgres', 'redis-server', 'CloudLab.LoadTe']
out.write('t ' + ' '.join(k.split('.')[-1][:7] for k in keys) + ' limit inflight jit\n')
while True:
    time.sleep(1)
    cur = snap()
    row = [f'{time.time()-t0:.0f}'] + [f'{cur.get(k,0)-prev.get(k,0):.0f}' for k in keys]
    out.write(' '.join(row) + ' ' + metric() + '\n'); out.flush()
    prev = cur
    if len(sys.argv) > 2 and time.time() - t0 > float(sys.argv[2]): break
