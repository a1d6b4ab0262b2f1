#!/usr/bin/env python3
"""How long each process's threads wait for a core against how long they run, between two readings.

    CloudLab.Benchmarks/writes/runqueue.py <first reading, s from now> <second reading, s from now>

Reads every thread's /proc/<pid>/task/<tid>/schedstat (time on a core, time runnable but waiting for one, time slices)
at both readings and sums them per command name (PostgreSQL's processes as "postgres"), and the machine's CPU pressure
(/proc/pressure/cpu: the share of the time at least one task waited for a core). Two readings only, so it costs
nothing beside a load run: start it when the driver starts warming up, with 140 170 for batches.sh's window.
Round 27 (target at 500 orders/s, 1.2 cores busy): the services' threads waited 2.5-3.3 times as long as they ran.
"""
import collections
import os
import sys
import time


def pressure():
    """Microseconds some task waited for a core, since boot."""
    some = open('/proc/pressure/cpu').readline().split()[-1]
    return int(some.split('=')[1])


def threads():
    totals = collections.defaultdict(lambda: [0, 0, 0])
    for pid in filter(str.isdigit, os.listdir('/proc')):
        try:
            name = open(f'/proc/{pid}/comm').read().strip()
            name = 'postgres' if name.startswith('postgres') else name
            for tid in os.listdir(f'/proc/{pid}/task'):
                running, waiting, slices = open(f'/proc/{pid}/task/{tid}/schedstat').read().split()
                totals[name][0] += int(running)
                totals[name][1] += int(waiting)
                totals[name][2] += int(slices)
        except OSError:  # the process or thread ended between the listing and the read
            pass
    return totals


first, second = float(sys.argv[1]), float(sys.argv[2])
time.sleep(first)
pressure_1, threads_1 = pressure(), threads()
time.sleep(second - first)
pressure_2, threads_2 = pressure(), threads()
span = second - first
print(f'machine: some task waiting for a core {(pressure_2 - pressure_1) / 1e6 / span * 100:.1f} % of the time')
rows = []
for name, (running, waiting, slices) in threads_2.items():
    running_1, waiting_1, slices_1 = threads_1.get(name, [0, 0, 0])
    cores = (running - running_1) / 1e9 / span
    if cores > 0.005:
        rows.append((name, cores, (waiting - waiting_1) / 1e9 / span, (slices - slices_1) / span))
for name, cores, waited, slices in sorted(rows, key=lambda row: -row[1]):
    print(f'{name:20} cpu {cores:5.2f} cores   waiting {waited:5.2f} s/s   waiting/cpu {waited / cores:5.2f}   '
          f'wait per slice {waited / slices * 1e6 if slices else 0:7.1f} us   slices {slices:8.0f}/s')
