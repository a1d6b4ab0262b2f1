#!/usr/bin/env python3
"""cpu-by-process.py <seconds>: CPU ms per second by process name (all processes, kernel threads included), and the
machine's softirq/irq/system time, over the next <seconds>."""
import os, sys, time
def snap():
    out = {}
    for pid in os.listdir('/proc'):
        if not pid.isdigit(): continue
        try:
            s = open(f'/proc/{pid}/stat').read()
            name = s[s.index('(')+1:s.rindex(')')]
            f = s[s.rindex(')')+2:].split()
            out[pid] = (name, int(f[11]) + int(f[12]))
        except Exception: pass
    cpu = open('/proc/stat').readline().split()[1:]
    return out, [int(x) for x in cpu]
secs = float(sys.argv[1])
a, ca = snap(); time.sleep(secs); b, cb = snap()
hz = os.sysconf('SC_CLK_TCK')
by = {}
for pid, (name, t) in b.items():
    t0 = a.get(pid, (name, 0))[1] if pid in a else 0
    by[name] = by.get(name, 0) + (t - t0)
tot = sum(cb) - sum(ca)
names = ['user','nice','system','idle','iowait','irq','softirq','steal']
print('machine:', ', '.join(f'{n} {(cb[i]-ca[i])*100/tot:.1f}%' for i, n in enumerate(names)))
for name, t in sorted(by.items(), key=lambda x: -x[1])[:25]:
    if t > 0: print(f'{name:24s} {t*1000/hz/secs:7.1f} ms/s')
