namespace CloudLab.ServiceDefaults.Http.RateLimiting;

/// <summary>
/// How many requests one instance works on at once, adapted to the latency they get: shedding by measured overload
/// rather than by a configured rate. Each window (at least <see cref="Window"/> long and
/// <see cref="MinSamplesPerWindow"/> requests) compares the requests that finished with the latency target: when more
/// than 5 % took longer (the window's p95 is over the target) and the limit was what held the load (90 % of it in use,
/// or requests refused), the limit shrinks (by a tenth or a quarter, faster when far over what the finishing rate
/// sustains: see Cut); when it held the load and the p95 held, it grows additively (AIMD, as TCP and Netflix's
/// concurrency-limits do), or by half when even the p95 was under half the target (TCP's slow start: far from the
/// target, additive steps are too slow to matter). Requests past the limit are refused at once. Growth stops at the
/// requests in flight that the window's finishing rate serves within the target on average (Little's law), and only
/// requests admitted after the last change are evidence for the next decision: with natural batching, the first
/// requests to finish after a cut ride small, quick batches, and growing on them alone took the order peak's limit from
/// ~150 back towards 512 within a second, over and over (placed p95 698 and 944 ms in two runs; 427–478 ms in five runs
/// of six with the bound on growth, `docs/performance/write-path/round14.md`). Cuts that halved the limit without
/// shortening the latency are undone (a slow dependency, not overload: see CutsWereFutile). A cut limit that has not
/// held the load for a while goes back to its maximum (QuietTargetsBeforeReset). A p95 over the target with the median
/// under it is cut only when the offered load is far past what the service finishes (FarPastCapacity): nearer, the
/// bound grows toward the offered load instead, and a queue that then builds puts the median over the target.
/// Why not a library: System.Threading.RateLimiting has only fixed limiters (concurrency, token bucket, windows),
/// Microsoft.Extensions.Resilience and Polly wrap those, and no adaptive limiter is among the packages this project
/// may use. Why not a fixed bound: natural batching makes throughput grow with the requests in flight, so the bound
/// that keeps the latency target depends on the load and on the machine (512 in flight at ~470 orders/s kept placed
/// orders waiting 1.1–1.6 s; a fixed 128 shrank the batches and refused 24 % of 500 orders/s).
/// A request costs five or six interlocked operations and a timestamp; adaptation runs once per window under a lock
/// that no request waits for (Lock.TryEnter: whoever finds it taken goes on).
/// </summary>
internal sealed class AdaptiveConcurrencyLimit
{
    /// <summary>The shortest window: it holds a few batches of a write path, and is short enough for a burst.</summary>
    public static readonly TimeSpan Window = TimeSpan.FromMilliseconds(100);

    /// <summary>Fewer finished requests say nothing of a p95; at low rates a window lasts until this many.</summary>
    public const int MinSamplesPerWindow = 20;

    /// <summary>Share of a window's requests allowed over the target: the target is a p95.</summary>
    private const double AllowedSlowShare = 0.05;

    /// <summary>Cut when the p95 is over the target; cut harder when even the median is.</summary>
    private const double Decrease = 0.9;

    private const double SteepDecrease = 0.75;

    /// <summary>One cut leaves at least this share of the limit, however far over the finishing rate it was.</summary>
    private const double LittleCutFloor = 0.25;

    /// <summary>Growth per window while the p95 is under half the target.</summary>
    private const double FastIncrease = 1.5;

    /// <summary>
    /// A request this many targets long waited on a stalled dependency (a frozen database, until its budget ran out),
    /// not in this service's queues: no limit would have made it faster, so it is no evidence either way. Queueing
    /// here stays below it: 512 in flight at 470 orders/s waited 1.1–1.6 s.
    /// </summary>
    private const int StalledTargets = 10;

    /// <summary>
    /// Cuts that halved the limit helped if the latency fell at least by a quarter (queueing alone: by half).
    /// </summary>
    private const double FutileLatencyRatio = 0.75;

    /// <summary>After cuts that did not help, no cut for this many targets' time (then it tries again).</summary>
    private const int TargetsWithoutCutAfterFutileCuts = 40;

    /// <summary>
    /// A cut bound that has not held the load (never 90 % in use, nothing refused) for this many targets' time goes
    /// back to its maximum, as a quiet service starts. Growth needs a bound that holds the load, so without this a
    /// bound cut in an incident stays cut while the load is light, and refuses the next small burst on an idle service:
    /// after a PostgreSQL freeze a write path's bound went to 16 and stayed there at 50 requests a second, and each
    /// later blip (a killed Redis, a failing dependency) had requests refused (chaos run of 2026-12-01 18:08: 140 × 429
    /// in 60 s). Slow answers do not hold the reset back: a bound that does not hold the load is not what makes them
    /// slow (the same reason only a binding bound is cut), and requiring every window under the target kept a bound of
    /// 96 for 34 s.
    /// </summary>
    private const int QuietTargetsBeforeReset = 20;

    /// <summary>
    /// A load offered at more than this many times the rate the service finishes requests is far past its capacity:
    /// only then is a p95 over the target (with the median under it) answered by a cut. On two cores the standard's
    /// burst offered a batching write path 14–32 times what it finished and its peak 3.4–4.1 times (a faster machine:
    /// 1.4–3.6); its target rate in a slow hour 1.2–1.5 times, and up to 2.3 times while a bound cut by a passing
    /// overload refused the rest (twice held such a bound 10 s longer: round 22 of the write path).
    /// </summary>
    private const double FarPastCapacity = 3;

    /// <summary>Weight of a window in the offered and finishing rates: they average over about a second.</summary>
    private const double RateWeight = 0.2;

    /// <summary>Room over the offered load's mean in flight that growth toward it leaves for batches' peaks.</summary>
    private const double OfferedPeakRoom = 1.5;

    /// <summary>
    /// Weight of a window in the share of slow requests that decides a steep cut when the load is not far past
    /// capacity: about the last five windows. One window of a batching path holds one to three batches, so one slow
    /// batch put a window's median over the target and cut the bound by a quarter, several times a second, at a
    /// target rate the service kept up with (round 22 of the write path).
    /// </summary>
    private const double SlowShareWeight = 0.3;

    private readonly int _min;
    private readonly int _max;
    private readonly long _targetTicks;
    private readonly long _halfTargetTicks;
    private readonly long _stalledTicks;
    private readonly long _windowTicks;
    private readonly long _quietResetTicks;
    private readonly Lock _adapting = new();
    private int _limit;
    private int _inFlight;
    private int _peakInFlight;

    /// <summary>Requests that asked for a slot in this window, admitted or refused: the offered load.</summary>
    private int _offered;

    /// <summary>Offered and finished requests per tick, averaged over the last windows (RateWeight).</summary>
    private double _offeredRate;

    private double _finishingRate;

    /// <summary>The share of evidence requests over the target, averaged over the last windows.</summary>
    private double _slowShare;

    /// <summary>Requests finished in this window that are evidence (admitted after the last change).</summary>
    private int _finished;

    /// <summary>Every request finished in this window: the rate the service serves at.</summary>
    private int _completed;

    private long _windowStarted;
    private int _slow;
    private int _overHalfTarget;
    private long _windowEnds;
    private long _noDecreaseBefore;
    private long _quietSince;
    private long _lastChange;
    private long _latencySum;
    private int _limitBeforeCuts;
    private long _latencyBeforeCuts;
    private long _cutsStarted;
    private long _admittedBeforeCutsLatencySum;
    private int _admittedBeforeCutsFinished;

    /// <param name="target">The p95 latency to hold admitted requests to; zero keeps the limit fixed at max.</param>
    /// <param name="min">The limit never falls below this (a batching path needs some concurrency to batch).</param>
    /// <param name="max">The limit never rises above this; it starts here, so a quiet service refuses nothing.</param>
    /// <param name="timestampFrequency">Ticks per second of the timestamps passed in.</param>
    public AdaptiveConcurrencyLimit(TimeSpan target, int min, int max, long timestampFrequency)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(min, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(max, min);
        _min = min;
        _max = max;
        _limit = max;
        _targetTicks = target > TimeSpan.Zero ? (long)(target.TotalSeconds * timestampFrequency) : long.MaxValue;
        _halfTargetTicks = _targetTicks / 2;
        _stalledTicks = _targetTicks > long.MaxValue / StalledTargets ? long.MaxValue : _targetTicks * StalledTargets;
        _windowTicks = (long)(Window.TotalSeconds * timestampFrequency);
        _quietResetTicks = _targetTicks > long.MaxValue / QuietTargetsBeforeReset
            ? long.MaxValue
            : _targetTicks * QuietTargetsBeforeReset;
    }

    public int Limit => Volatile.Read(ref _limit);

    public int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>Takes a slot, or refuses: the limit is reached.</summary>
    public bool TryEnter(int slots)
    {
        Interlocked.Add(ref _offered, slots);
        var inFlight = Interlocked.Add(ref _inFlight, slots);
        if (inFlight > Volatile.Read(ref _limit))
        {
            Interlocked.Add(ref _inFlight, -slots);
            _peakInFlight = Math.Max(_peakInFlight, inFlight); // a refusal means the limit was what held the load
            return false;
        }

        if (inFlight > _peakInFlight)
        {
            _peakInFlight = inFlight; // racy on purpose: a heuristic, not worth an interlocked loop per request
        }

        return true;
    }

    /// <summary>Gives the slots back and counts the request's latency (timestamps of the same clock).</summary>
    public void Exit(int slots, long started, long now)
    {
        Interlocked.Add(ref _inFlight, -slots);
        Interlocked.Increment(ref _completed);
        var latency = now - started;
        if (started < Volatile.Read(ref _lastChange))
        {
            if (started < Volatile.Read(ref _cutsStarted))
            {
                // What the limit before the cuts gave: the reference they are judged against.
                Interlocked.Add(ref _admittedBeforeCutsLatencySum, latency);
                Interlocked.Increment(ref _admittedBeforeCutsFinished);
            }

            // Admitted before the last change: its latency is what the old limit gave, not evidence for another
            // change. After a PostgreSQL freeze ~500 such requests finished over 5 s, each window of them cut again,
            // and the limit fell from 512 to 50 while the requests admitted after the freeze were quick (chaos run,
            // 00:53).
            return;
        }

        if (latency > _stalledTicks)
        {
            // PostgreSQL frozen for 10 s held ~500 orders; as they finished after it, they cut the limit to 384
            // and every new order was refused until they were gone (chaos run, 01:25).
            return;
        }

        Interlocked.Add(ref _latencySum, latency);
        Interlocked.Increment(ref _finished);
        if (latency > _halfTargetTicks)
        {
            Interlocked.Increment(ref _overHalfTarget);
            if (latency > _targetTicks)
            {
                Interlocked.Increment(ref _slow);
            }
        }

        if (now >= Volatile.Read(ref _windowEnds) && Volatile.Read(ref _finished) >= MinSamplesPerWindow)
        {
            Adapt(now);
        }
    }

    private void Adapt(long now)
    {
        if (!_adapting.TryEnter())
        {
            return; // another request is adapting this window
        }

        try
        {
            if (now < _windowEnds)
            {
                return;
            }

            var finished = Interlocked.Exchange(ref _finished, 0);
            var slow = Interlocked.Exchange(ref _slow, 0);
            var overHalfTarget = Interlocked.Exchange(ref _overHalfTarget, 0);
            var mean = Interlocked.Exchange(ref _latencySum, 0) / Math.Max(1, finished);
            var peak = _peakInFlight;
            _peakInFlight = Volatile.Read(ref _inFlight);
            var completed = Interlocked.Exchange(ref _completed, 0);
            var offered = Interlocked.Exchange(ref _offered, 0);
            var elapsed = Math.Max(1, now - _windowStarted);
            Average(offered, completed, elapsed, (double)slow / Math.Max(1, finished));
            _windowStarted = now;
            _windowEnds = now + _windowTicks;
            // Little's law: at the rate requests finished in this window, this many in flight wait the target on
            // average. Growth stops there (cuts still answer a p95 over the target). Two thirds of it held the
            // peak's placed p95 to 437 ms but placed 395 orders/s, against 478 ms and 462/s (round 14).
            var sustainable = (int)Math.Min(int.MaxValue, (double)completed * _targetTicks / elapsed);
            var limit = _limit;
            var binding = peak >= limit * 9 / 10;
            if (binding || limit >= _max)
            {
                _quietSince = 0;
            }
            else if (ResetWhenQuiet(now))
            {
                return;
            }

            var p95OverTarget = slow > finished * AllowedSlowShare;
            if (!p95OverTarget)
            {
                _limitBeforeCuts = 0; // the target holds: whatever cuts were made, they are done with
                Volatile.Write(ref _cutsStarted, 0);
            }
            else if (_limitBeforeCuts > 0 && limit <= _limitBeforeCuts / 2 && CutsWereFutile(now, mean))
            {
                return;
            }

            var farPastCapacity = _offeredRate > FarPastCapacity * _finishingRate;
            var medianOverTarget = farPastCapacity ? slow > finished / 2 : _slowShare > 0.5;
            if (p95OverTarget && !medianOverTarget && binding && !farPastCapacity)
            {
                // The p95 is over the target, the median under it, and the load is not far past what the service
                // finishes: a busy machine, not an overload to shed. Cutting here held the p95 to the target by
                // refusing, window after window, a fifth to two fifths of a write path's 500 requests a second that it
                // served at p95 240 ms (round 22 of the write path). The bound grows toward the in-flight the whole
                // offered load holds at this latency instead. If that load is more than the service can finish, its
                // queue grows, the median goes over the target (over a few windows: SlowShareWeight), and the steep
                // cut below answers it.
                var offeredInFlight = (int)Math.Min(_max, _offeredRate * mean * OfferedPeakRoom);
                Grow(limit, limit + Math.Max(1, (int)Math.Sqrt(limit)), offeredInFlight, now);
            }
            else if (p95OverTarget)
            {
                // The requests finishing now were admitted up to one latency ago: after a cut, wait that long (the
                // target) before the next, or the cuts pile up on the same evidence. Only a limit that held the load
                // is cut: below it, the latency comes from elsewhere (the machine busy with other work, a slow
                // dependency, a long query), and each cut would lower the bar for the next until requests are refused
                // without making any faster. Measured: cutting whenever half the limit was used refused 1,200 of
                // 3,600 orders in the mixed workload (5.3 % 429), where log-ins kept the two cores busy.
                if (now >= _noDecreaseBefore && binding)
                {
                    if (_limitBeforeCuts == 0)
                    {
                        StartCuts(limit, mean, now);
                    }

                    Volatile.Write(ref _limit, Math.Max(_min, Cut(limit, medianOverTarget, sustainable)));
                    _noDecreaseBefore = now + _targetTicks;
                    Volatile.Write(ref _lastChange, now);
                }
            }
            else if (binding && overHalfTarget > finished * AllowedSlowShare)
            {
                // Additive increase, by √limit a window: a few percent of a large limit, a slot or two of a small one.
                Grow(limit, limit + Math.Max(1, (int)Math.Sqrt(limit)), sustainable, now);
            }
            else if (binding)
            {
                // Far under the target, as when a stalled dependency answers again after the limit was cut: additive
                // steps take 35 windows (3.5 s) from 16 back to 512, by half a window 9.
                Grow(limit, Math.Max(limit + 1, (int)(limit * FastIncrease)), sustainable, now);
            }
        }
        finally
        {
            _adapting.Exit();
        }
    }

    /// <summary>
    /// A tenth off when the p95 is over the target, a quarter when even the median is, and then also whatever is over
    /// twice the requests in flight that the finishing rate serves within the target (Little's law, the cap growth
    /// has), down to a quarter of the limit at most. A load that jumps far past capacity leaves the limit many times
    /// over that: stepping down by a quarter at a time took the write path's burst limit from 512 to 90 in eight cuts
    /// over 6 s, because each cut waits for requests admitted after the one before, and at ~300 a second those waited
    /// a second behind the limit they were admitted under (p95 609 ms at the load driver, the service's own in the
    /// 1–2.5 s bucket; round 17 of the write path in docs/performance). Twice, and a quarter at most, because one
    /// window's rate is noisy (batches of ~28 requests finish together, so a 100 ms window counts one batch or two) and
    /// a batching path slows as its limit falls: cutting to the rate itself held the burst's limit at 16–40 instead of
    /// 40–80 and served a quarter to a third fewer requests (round 18).
    /// </summary>
    private static int Cut(int limit, bool medianOverTarget, int sustainable)
    {
        if (!medianOverTarget)
        {
            return (int)(limit * Decrease);
        }

        var twiceSustainable = (int)Math.Min(int.MaxValue, 2L * sustainable);
        return (int)Math.Min(limit * SteepDecrease, Math.Max(twiceSustainable, limit * LittleCutFloor));
    }

    /// <summary>Raises the limit toward <paramref name="wanted"/>, no further than <paramref name="cap"/>.</summary>
    private void Grow(int limit, int wanted, int cap, long now)
    {
        var grown = Math.Min(_max, Math.Min(wanted, Math.Max(limit, cap)));
        if (grown > limit)
        {
            Volatile.Write(ref _limit, grown);
            Volatile.Write(ref _lastChange, now);
        }
    }

    /// <summary>Folds one window into the averaged offered and finishing rates (per tick) and slow share.</summary>
    private void Average(int offered, int completed, long elapsed, double slowShare)
    {
        var (offeredRate, finishingRate) = ((double)offered / elapsed, (double)completed / elapsed);
        if (_finishingRate == 0)
        {
            (_offeredRate, _finishingRate, _slowShare) = (offeredRate, finishingRate, slowShare);
            return;
        }

        _offeredRate += RateWeight * (offeredRate - _offeredRate);
        _finishingRate += RateWeight * (finishingRate - _finishingRate);
        _slowShare += SlowShareWeight * (slowShare - _slowShare);
    }

    /// <summary>Back to the maximum once the bound has held nothing for a while: true when it went back now.</summary>
    private bool ResetWhenQuiet(long now)
    {
        if (_quietSince == 0)
        {
            _quietSince = now;
            return false;
        }

        if (now - _quietSince < _quietResetTicks)
        {
            return false;
        }

        _quietSince = 0;
        _limitBeforeCuts = 0;
        Volatile.Write(ref _cutsStarted, 0);
        Volatile.Write(ref _limit, _max);
        Volatile.Write(ref _lastChange, now);
        return true;
    }

    private void StartCuts(int limit, long latency, long now)
    {
        _limitBeforeCuts = limit;
        _latencyBeforeCuts = latency;
        Interlocked.Exchange(ref _admittedBeforeCutsLatencySum, 0);
        Interlocked.Exchange(ref _admittedBeforeCutsFinished, 0);
        Volatile.Write(ref _cutsStarted, now);
    }

    /// <summary>
    /// Cuts shorten the latency only when the requests queue in this service (overload): halving the limit then about
    /// halves the wait. When a dependency is slow (a failing gateway retried within its budget), the requests admitted
    /// after the cuts take as long as before, and each further cut would only refuse more: the limit fell from 75 to
    /// its minimum of 16 in 7 s and refused 221 orders while the gateway failed (chaos run, 00:53). Cuts that halved
    /// the limit without shortening the latency by a quarter are undone, and the limit does not cut again for a while.
    /// Judged on halving rather than on each cut: a 10 % cut moves the latency by less than its noise.
    /// </summary>
    private bool CutsWereFutile(long now, long latencyAfter)
    {
        // The reference: what the requests admitted before the cuts took (the latest the old limit gave, which the
        // window that led to the first cut underestimates while the latency was rising), or that window's.
        var admittedBeforeCutsFinished = Volatile.Read(ref _admittedBeforeCutsFinished);
        var latencyBefore = admittedBeforeCutsFinished >= MinSamplesPerWindow
            ? Math.Max(
                _latencyBeforeCuts, Volatile.Read(ref _admittedBeforeCutsLatencySum) / admittedBeforeCutsFinished)
            : _latencyBeforeCuts;
        if (latencyAfter <= latencyBefore * FutileLatencyRatio)
        {
            StartCuts(_limit, latencyAfter, now); // they helped: further cuts are judged from here
            return false;
        }

        Volatile.Write(ref _limit, _limitBeforeCuts);
        _noDecreaseBefore = now + TargetsWithoutCutAfterFutileCuts * _targetTicks;
        _limitBeforeCuts = 0;
        Volatile.Write(ref _cutsStarted, 0);
        return true;
    }
}
