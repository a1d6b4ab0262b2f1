namespace CloudLab.ServiceDefaults.Http.RateLimiting;

/// <summary>
/// A token bucket kept as one number, the time at which it will be full again (the generic cell rate algorithm):
/// taking a permit is a read and a compare-exchange, with no lock, no timer and no lease to allocate.
/// System.Threading.RateLimiting's token bucket takes a lock per acquire and refills from a timer; here the refill is
/// the passing of time itself, so it is continuous rather than in steps of a tick.
/// </summary>
internal sealed class PermitBucket
{
    private readonly long _ticksPerPermit;
    private readonly long _capacityTicks;
    private readonly long _frequency;
    private long _fullAt; // a timestamp (they are positive); at or before now the bucket is full

    /// <param name="permitsPerSecond">The refill rate.</param>
    /// <param name="capacity">The most permits the bucket holds, so the largest burst it admits at once.</param>
    /// <param name="timestampFrequency">Ticks per second of the timestamps passed to <see cref="TryTake"/>.</param>
    public PermitBucket(long permitsPerSecond, long capacity, long timestampFrequency)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(permitsPerSecond, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _frequency = timestampFrequency;
        _ticksPerPermit = Math.Max(1, timestampFrequency / permitsPerSecond);
        _capacityTicks = capacity * _ticksPerPermit;
    }

    /// <summary>Takes <paramref name="permits"/>, or says how long until they could be taken.</summary>
    public bool TryTake(int permits, long now, out TimeSpan retryAfter)
    {
        var cost = _ticksPerPermit * permits;
        while (true)
        {
            var fullAt = Volatile.Read(ref _fullAt);
            var taken = Math.Max(fullAt, now) + cost;
            var excess = taken - now - _capacityTicks;
            if (excess > 0)
            {
                retryAfter = TimeSpan.FromTicks((long)(excess * ((double)TimeSpan.TicksPerSecond / _frequency)));
                return false;
            }

            if (Interlocked.CompareExchange(ref _fullAt, taken, fullAt) == fullAt)
            {
                retryAfter = TimeSpan.Zero;
                return true;
            }
        }
    }

    /// <summary>Permits that could be taken now.</summary>
    public long Available(long now) =>
        (_capacityTicks - Math.Max(0, Volatile.Read(ref _fullAt) - now)) / _ticksPerPermit;

    /// <summary>True when the bucket has been full since <paramref name="since"/>: as good as a new one.</summary>
    public bool FullSince(long since) => Volatile.Read(ref _fullAt) <= since;
}
