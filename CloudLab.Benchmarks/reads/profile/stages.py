#!/usr/bin/env python3
"""µs of CPU per request by middleware stage, from the folders profile.sh wrote.

    stages.py <folder> [<folder after>]      prints a Markdown table per endpoint

JIT-compiled .NET code lives in a memfd mapping that perf does not resolve: its addresses are mapped back through the
mmap events and the runtime's perf map (DOTNET_PerfMapEnabled=1). Each sample goes to the innermost frame on its stack
that belongs to a stage below; a stage's µs is its share of the samples times the service's CPU time per request
(/proc, over the measured 12 s). Frames the JIT inlined into their caller count for that caller.
"""
import bisect, collections, os, re, subprocess, sys

STAGES = [
    ('JIT compiler', r'libclrjit'),
    ('Kestrel: socket send (kernel included)',
     r'SocketConnection\+<DoSend>|__send$|SocketPal::TryCompleteSendTo'),
    ('Kestrel: receive, epoll (kernel included)',
     r'SocketConnection\+<DoReceive>|SocketAsyncEngine|epoll_wait|__libc_recv'),
    ('result: headers, ETag, body copy',
     r'CachedJsonResult`1.*ExecuteAsync|HttpResponsePipeWriter|Http1OutputProducer'),
    ('FusionCache (via HybridCache before, directly after)', r'ZiggyCreatures'),
    ('ServiceCache and its metrics', r'ServiceCache\+<GetOrLoadAsync>|CacheMetrics::'),
    ('handler and parameter binding',
     r'ProductsApi\+<GetProduct>|ProductsApi\+<ListProducts>|UsersApi\+<GetMe>|lambda_method'),
    ('routing', r'Microsoft.AspNetCore.Routing\]'),
    ('query-string text checks', r'RequestTextMiddleware'),
    ('authorization', r'AuthorizationMiddleware|Microsoft.AspNetCore.Authorization'),
    ('authentication', r'CachedBearerAuthentication|AuthenticationMiddleware|JwtBearer|ValidatedTokenCache|'
                       r'Microsoft.AspNetCore.Authentication'),
    ('compression stage', r'CompressionExtensions|ResponseCompression|SmallResponseBodyFeature'),
    ('request timeouts', r'RequestTimeoutsMiddleware|RequestBudget'),
    ('rate limiter (middleware and limiter)', r'RateLimiting'),
    ('status code pages', r'StatusCodePagesMiddleware'),
    ('exception handler', r'ExceptionHandlerMiddleware'),
    ('request metrics (api_request_duration_seconds)', r'RequestMetricsMiddleware|ApiMetrics::'),
    ('calibration endpoint check', r'CalibrationEndpoint'),
    ('developer exception page (Development)', r'DeveloperExceptionPage'),
    ('OpenTelemetry metric updates', r'\[OpenTelemetry\] OpenTelemetry.Metrics'),
    ('tracing: Activity and diagnostic events', r'HostingApplicationDiagnostics|OpenTelemetry.Instrumentation|'
                                               r'DiagnosticListener|System.Diagnostics.Activity|RequestTracing'),
    ('hosting: HttpContext, hosting metrics', r'HostingApplication|HostingMetrics'),
    ('Kestrel: HTTP/1.1 parsing and response', r'Kestrel'),
]
PATTERNS = [(name, re.compile(pattern)) for name, pattern in STAGES]
SAMPLE_LINE = re.compile(r'([0-9a-f]+) (.*?) \((.*)\)$')
MMAP = re.compile(
    r'PERF_RECORD_MMAP2 .*\[0x([0-9a-f]+)\(0x([0-9a-f]+)\) @ (0x[0-9a-f]+|0) .*\]: r-x. /memfd:doublemapper')


def jit_symbols(path):
    symbols = []
    for line in open(path):
        parts = line.rstrip('\n').split(' ', 2)
        if len(parts) == 3:
            symbols.append((int(parts[0], 16), int(parts[1], 16), parts[2]))
    symbols.sort()
    return symbols, [s[0] for s in symbols]


def stacks(data, mapfile):
    symbols, starts = jit_symbols(mapfile)
    text = subprocess.run(['perf', 'script', '-i', data, '-F', 'ip,sym,dso', '--show-mmap-events'],
                          capture_output=True, text=True).stdout
    maps, samples, frames = [], [], []
    for line in text.split('\n'):
        mapped = MMAP.search(line)
        if mapped:
            maps.append((int(mapped.group(3), 16), int(mapped.group(2), 16), int(mapped.group(1), 16)))
            continue
        if line.startswith('PERF_RECORD'):
            continue
        line = line.strip()
        if not line:
            if frames:
                samples.append(frames)
                frames = []
            continue
        parsed = SAMPLE_LINE.match(line)
        if not parsed:
            continue
        ip, name, dso = int(parsed.group(1), 16), parsed.group(2), parsed.group(3)
        if 'doublemapper' in dso:
            name = '[jit?]'
            for offset, length, start in reversed(maps):
                if offset <= ip < offset + length:
                    address = start + ip - offset
                    i = bisect.bisect_right(starts, address) - 1
                    if i >= 0 and address < symbols[i][0] + symbols[i][1]:
                        name = symbols[i][2]
                    break
        elif name == '[unknown]':
            name = '[' + os.path.basename(dso) + ']'
        frames.append(name)
    if frames:
        samples.append(frames)
    return samples


def shares(data, mapfile):
    counts = collections.Counter()
    samples = stacks(data, mapfile)
    for frames in samples:
        stage = 'other (runtime, GC, kernel scheduling)'
        for frame in frames:
            hit = next((name for name, pattern in PATTERNS if pattern.search(frame)), None)
            if hit:
                stage = hit
                break
        counts[stage] += 1
    return {stage: count / len(samples) for stage, count in counts.items()}, len(samples)


def measured(folder):
    runs = {}
    for line in open(os.path.join(folder, 'summary.txt')):
        fields = dict(part.split('=') for part in line.split()[1:] if '=' in part)
        runs[line.split()[0]] = fields
    return runs


def main(folders):
    results = {}
    for folder in folders:
        pids = open(os.path.join(folder, 'pids')).readline().split()
        for name, fields in measured(folder).items():
            pid = pids[1] if name == 'me' else pids[0]
            us = int(fields['cpu_ticks']) * 10000 / int(fields['requests'])
            rps = int(fields['requests']) / (int(fields['duration_us']) / 1e6)
            stage_shares, count = shares(os.path.join(folder, f'{name}.perf.data'),
                                         os.path.join(folder, f'perf-{pid}.map'))
            results.setdefault(name, []).append((us, stage_shares, count, rps))
    order = [name for name, _ in STAGES] + ['other (runtime, GC, kernel scheduling)']
    for name, runs in results.items():
        print(f'\n#### {name}\n')
        print('| stage | ' + ' | '.join(f'µs ({os.path.basename(f.rstrip("/"))})' for f in folders) + ' |')
        print('|---|' + '---:|' * len(runs))
        for stage in order:
            values = [us * stage_shares.get(stage, 0) for us, stage_shares, _, _ in runs]
            if max(values) >= 0.05:
                print(f'| {stage} | ' + ' | '.join(f'{v:.1f}' for v in values) + ' |')
        stack = [us * sum(v for k, v in stage_shares.items() if not k.startswith(('JIT', 'Kestrel', 'other')))
                 for us, stage_shares, _, _ in runs]
        print('| *the stack: every row but JIT, Kestrel and other* | '
              + ' | '.join(f'*{v:.1f}*' for v in stack) + ' |')
        print('| **service CPU per request** | ' + ' | '.join(f'**{r[0]:.1f}**' for r in runs) + ' |')
        print('| requests/s while profiled (perf samples) | '
              + ' | '.join(f'{r[3]:,.0f} ({r[2]:,})' for r in runs) + ' |')


if __name__ == '__main__':
    main(sys.argv[1:])
