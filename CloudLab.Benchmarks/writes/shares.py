#!/usr/bin/env python3
"""Shares of the machine's CPU samples from a folder profile.sh wrote.

    shares.py <folder>

Prints: the share of each process (the .NET services named by their perf maps, every PostgreSQL backend as
"postgres"), then for each CloudLab service the innermost .NET assembly on each sample's stack (samples with no .NET
frame are the kernel, the GC and the runtime's own threads), then PostgreSQL's inclusive shares of the executor,
planner, commit and maintenance functions.
"""
import collections, glob, gzip, os, re, sys

SERVICE = re.compile(r'CloudLab\.[A-Za-z]+Service|CloudLab\.LoadTests|CloudLab\.AppHost')
ASSEMBLY = re.compile(r'\[([A-Za-z][\w.]+)\]')
POSTGRES = ['PortalRun', 'standard_ExecutorRun', 'ExecInsertIndexTuples', 'ExecCheckIndexConstraints',
            'AfterTriggerEndQuery', 'GetCachedPlan', 'pg_plan_queries', 'pg_parse_query', 'CommitTransactionCommand',
            'XLogFlush', 'fdatasync', 'vacuum', 'analyze_rel', '__send', 'pq_getbyte']


def services(folder):
    names = {}
    for path in glob.glob(os.path.join(folder, 'maps', 'perf-*.map')):
        with open(path, errors='ignore') as f:
            found = SERVICE.search(f.read())
        if found:
            names[int(re.search(r'perf-(\d+)', path).group(1))] = found.group(0).removeprefix('CloudLab.')
    return names


def samples(folder):
    sample = None
    with gzip.open(os.path.join(folder, 'script.txt.gz'), 'rt', errors='ignore') as f:
        for line in f:
            if not line.strip():
                if sample:
                    yield sample
                sample = None
            elif not line.startswith('\t'):
                head = re.match(r'(.*?)\s+(-?\d+)/(-?\d+)', line)
                sample = (head.group(1), int(head.group(2)), [])
            elif sample:
                sample[2].append(line.strip().split(' ', 1)[-1])
    if sample:
        yield sample


def main(folder):
    names = services(folder)
    all_samples = list(samples(folder))
    total = len(all_samples)

    def process(sample):
        comm, pid, _ = sample
        return names.get(pid) or ('postgres' if comm.startswith('postgres') else comm if pid else 'idle')

    by_process = collections.defaultdict(list)
    for sample in all_samples:
        by_process[process(sample)].append(sample)
    print(f'{total} samples\n\n| process | share of the machine |\n|---|---:|')
    for name, group in sorted(by_process.items(), key=lambda item: -len(item[1]))[:14]:
        print(f'| {name} | {len(group) / total:.1%} |')
    for name in sorted(n for n in by_process if n.endswith('Service')):
        group = by_process[name]
        assemblies = collections.Counter()
        for _, _, frames in group:
            assemblies[next((m.group(1) for m in map(ASSEMBLY.search, frames)
                             if m and m.group(1) not in ('unknown', 'kernel.kallsyms', 'System.Runtime')),
                            '(no .NET frame: kernel, GC, runtime threads)')] += 1
        print(f'\n{name} ({len(group) / total:.1%} of the machine), innermost .NET assembly:\n')
        for assembly, count in assemblies.most_common(12):
            print(f'- {count / len(group):.1%} {assembly}')
    group = by_process.get('postgres', [])
    if group:
        print(f'\npostgres ({len(group) / total:.1%} of the machine), inclusive:\n')
        for function in POSTGRES:
            count = sum(1 for _, _, frames in group if any(f.startswith(function + ' ') for f in frames))
            print(f'- {count / len(group):.1%} {function}')


if __name__ == '__main__':
    main(sys.argv[1])
