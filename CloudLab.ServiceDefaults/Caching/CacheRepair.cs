using System.Collections.Concurrent;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace CloudLab.ServiceDefaults.Caching;

/// <summary>
/// Puts the cache right after a Redis outage. A write made while Redis was unreachable updated the database and this
/// replica's memory, but neither Redis (which may come back with the old entry from its append-only file) nor the
/// other replicas (the backplane was down with it). Such writes are remembered here and, once Redis answers again,
/// replayed as removals and tag invalidations: the stale Redis entry goes, every replica drops its copy, and the
/// next read fills both from the database.
/// FusionCache's own auto-recovery is switched off: in 2.9.0, when Redis returned with its old entries, it copied
/// them over the newer memory entries of the replica that took the write (seen in this repository's Redis outage test).
/// </summary>
public sealed class CacheRepair(IServiceProvider services, IConnectionMultiplexer redis, ILogger<CacheRepair> logger) : BackgroundService
{
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(10);

    private readonly ConcurrentDictionary<string, bool> _keys = new();
    private readonly ConcurrentDictionary<string, bool> _tags = new();
    private long _lastFailureTicks;

    /// <summary>True while Redis is down or failed within the last few seconds: writes now may not reach it.</summary>
    public bool IsImpaired =>
        !redis.IsConnected || DateTime.UtcNow.Ticks - Interlocked.Read(ref _lastFailureTicks) < Settle.Ticks;

    public int Pending => _keys.Count + _tags.Count;

    public void ReportFailure() => Interlocked.Exchange(ref _lastFailureTicks, DateTime.UtcNow.Ticks);

    public void AfterWrite(string key)
    {
        if (IsImpaired)
        {
            _keys[key] = true;
        }
    }

    public void AfterInvalidation(IEnumerable<string> tags)
    {
        if (IsImpaired)
        {
            foreach (var tag in tags)
            {
                _tags[tag] = true;
            }
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                if (Pending > 0 && redis.IsConnected)
                {
                    await RepairAsync(stoppingToken);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>FusionCache absorbs Redis errors; the failure report from <see cref="MeasuredDistributedCache"/> is how one is seen.</summary>
    private async Task<bool> SucceedsAsync(Func<ValueTask> operation)
    {
        var failuresBefore = Interlocked.Read(ref _lastFailureTicks);
        await operation();
        return Interlocked.Read(ref _lastFailureTicks) == failuresBefore;
    }

    private async Task RepairAsync(CancellationToken cancellationToken)
    {
        try
        {
            await redis.GetDatabase().PingAsync();
        }
        catch (RedisException)
        {
            return;
        }

        // Resolved late: the cache's Redis layer reports its failures here, so the cache cannot be a constructor argument.
        var cache = services.GetRequiredService<HybridCache>();
        var repaired = 0;
        foreach (var key in _keys.Keys)
        {
            if (!await SucceedsAsync(() => cache.RemoveAsync(key, cancellationToken)))
            {
                return; // Redis failed again: keep what is left for the next pass
            }

            repaired += _keys.TryRemove(key, out _) ? 1 : 0;
        }

        foreach (var tag in _tags.Keys)
        {
            if (!await SucceedsAsync(() => cache.RemoveByTagAsync(tag, cancellationToken)))
            {
                return;
            }

            repaired += _tags.TryRemove(tag, out _) ? 1 : 0;
        }

        logger.LogInformation("Redis is back: {Repaired} cache entries and tags written during the outage were invalidated everywhere", repaired);
    }
}
