namespace CloudLab.ServiceDefaults.Telemetry;

/// <summary>
/// At most one log line per interval for something that can happen on every request (a slow request, a slow query);
/// the line that is written says how many were left unwritten since the previous one. When the machine is saturated
/// every request is slow: a warning each (formatted, with its scopes, to every logger provider and the AppHost's
/// console capture) made logging a cost per request exactly when CPU was shortest.
/// </summary>
public sealed class LogThrottle
{
    private readonly long _intervalTicks;
    private readonly TimeProvider _time;
    private long _nextAllowed;
    private long _skipped;

    public LogThrottle(TimeSpan interval, TimeProvider? time = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(interval, TimeSpan.Zero);
        _time = time ?? TimeProvider.System;
        _intervalTicks = (long)(interval.TotalSeconds * _time.TimestampFrequency);
        _nextAllowed = _time.GetTimestamp();
    }

    /// <summary>
    /// True when this occurrence is to be logged, with <paramref name="skipped"/> the occurrences not logged since the
    /// last one that was; false (and counted) otherwise.
    /// </summary>
    public bool ShouldLog(out long skipped)
    {
        var now = _time.GetTimestamp();
        var next = Volatile.Read(ref _nextAllowed);
        if (now >= next && Interlocked.CompareExchange(ref _nextAllowed, now + _intervalTicks, next) == next)
        {
            skipped = Interlocked.Exchange(ref _skipped, 0);
            return true;
        }

        Interlocked.Increment(ref _skipped);
        skipped = 0;
        return false;
    }
}
