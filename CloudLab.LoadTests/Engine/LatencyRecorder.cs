using System.Diagnostics;
using HdrHistogram;

namespace CloudLab.LoadTests.Engine;

/// <summary>
/// One second of a run: what was completed in it, how long it took, and how long the driver's own GC stopped it (a
/// pause holds every request in flight and every send, so it shows up in the latencies as if the server were slow).
/// </summary>
public sealed record IntervalStats(
    double Second,
    long Requests,
    long Errors,
    double P50Ms,
    double P95Ms,
    double P99Ms,
    double MaxMs,
    double DriverGcPauseMs = 0);

/// <summary>
/// Latencies (from each request's intended send time, in microseconds) in an HdrHistogram recorder, swapped out every
/// second for the latency-over-time series; plus status codes, errors, and how late the driver sent requests. The
/// successful answers (2xx, 3xx) have a histogram of their own: when an overloaded service sheds, its quick 429s
/// would otherwise hide how long the requests it accepted took.
/// </summary>
public sealed class LatencyRecorder
{
    private const long HighestMicroseconds = 10L * 60 * 1_000_000;

    private readonly Recorder _recorder = NewRecorder();
    private readonly Recorder _lag = NewRecorder();
    private readonly LongHistogram _total = new(1, HighestMicroseconds, 3);
    private readonly LongHistogram _totalLag = new(1, HighestMicroseconds, 3);
    private readonly Recorder _succeeded = NewRecorder();
    private readonly LongHistogram _totalSucceeded = new(1, HighestMicroseconds, 3);
    private readonly long[] _statusCounts = new long[600];
    private readonly List<IntervalStats> _intervals = [];
    private readonly long _started = Stopwatch.GetTimestamp();
    private readonly TimeSpan _gcPausedBefore = GC.GetTotalPauseDuration();
    private TimeSpan _gcPausedAtLastInterval;
    private long _errorsThisInterval;
    private long _errors;
    private long _driverSkipped;

    public void RecordResponse(long intendedTimestamp, int statusCode)
    {
        var micros = Micros(Stopwatch.GetTimestamp() - intendedTimestamp);
        _recorder.RecordValue(micros);
        if (statusCode is >= 200 and < 400)
        {
            _succeeded.RecordValue(micros);
        }

        Interlocked.Increment(ref _statusCounts[(uint)statusCode < 600 ? statusCode : 0]);
        if (statusCode is >= 500 or 0 or 429)
        {
            Interlocked.Increment(ref _errorsThisInterval);
        }
    }

    /// <summary>The request never got an answer (connection refused, timeout): counted as status 0.</summary>
    public void RecordFailure(long intendedTimestamp) => RecordResponse(intendedTimestamp, 0);

    /// <summary>How late the driver sent a request after its intended time (its own lag, not the server's).</summary>
    public void RecordSendLag(long intendedTimestamp) =>
        _lag.RecordValue(Micros(Stopwatch.GetTimestamp() - intendedTimestamp));

    /// <summary>
    /// The driver had no free slot for a request: it is counted as failed and reported as driver saturation.
    /// </summary>
    public void RecordDriverSkip()
    {
        Interlocked.Increment(ref _driverSkipped);
        Interlocked.Increment(ref _statusCounts[0]);
        Interlocked.Increment(ref _errorsThisInterval);
    }

    /// <summary>Closes the current one-second interval (called by the runner's clock).</summary>
    public IntervalStats CloseInterval()
    {
        var interval = _recorder.GetIntervalHistogram();
        var lag = _lag.GetIntervalHistogram();
        _total.Add(interval);
        _totalLag.Add(lag);
        _totalSucceeded.Add(_succeeded.GetIntervalHistogram());
        var errors = Interlocked.Exchange(ref _errorsThisInterval, 0);
        _errors += errors;
        var gcPaused = GcPause;
        var stats = new IntervalStats(
            Stopwatch.GetElapsedTime(_started).TotalSeconds, interval.TotalCount, errors,
            Ms(interval, 50),
            Ms(interval, 95),
            Ms(interval, 99),
            interval.TotalCount == 0 ? 0 : interval.GetMaxValue() / 1000.0,
            (gcPaused - _gcPausedAtLastInterval).TotalMilliseconds);
        _gcPausedAtLastInterval = gcPaused;
        lock (_intervals)
        {
            _intervals.Add(stats);
        }

        return stats;
    }

    public LongHistogram Total => _total;

    public LongHistogram SendLag => _totalLag;

    /// <summary>Latencies of the successful answers (2xx, 3xx) so far.</summary>
    public LongHistogram Succeeded => _totalSucceeded;

    public long Errors => _errors;

    /// <summary>How long the driver's GC has paused the process since the recording began.</summary>
    public TimeSpan GcPause => GC.GetTotalPauseDuration() - _gcPausedBefore;

    public long DriverSkipped => Interlocked.Read(ref _driverSkipped);

    public IReadOnlyList<IntervalStats> Intervals
    {
        get
        {
            lock (_intervals)
            {
                return [.. _intervals];
            }
        }
    }

    public IReadOnlyDictionary<int, long> StatusCounts =>
        Enumerable.Range(0, _statusCounts.Length)
            .Where(code => _statusCounts[code] > 0)
            .ToDictionary(code => code, code => _statusCounts[code]);

    public static double Ms(HistogramBase histogram, double percentile) =>
        histogram.TotalCount == 0 ? 0 : histogram.GetValueAtPercentile(percentile) / 1000.0;

    private static long Micros(long stopwatchTicks) => Math.Max(1, stopwatchTicks * 1_000_000 / Stopwatch.Frequency);

    private static Recorder NewRecorder() =>
        HistogramFactory.With64BitBucketSize().WithValuesFrom(1).WithValuesUpTo(HighestMicroseconds).WithPrecisionOf(3)
            .WithThreadSafeWrites().WithThreadSafeReads().Create();
}
