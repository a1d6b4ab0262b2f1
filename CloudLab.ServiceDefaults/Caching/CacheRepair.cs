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
/// A replica whose backplane subscription was cut may also have missed other replicas' invalidations (and those sent
/// by their repair before it had resubscribed), so when its subscription is restored it drops its own memory level,
/// at once and again once the other replicas have had time to repair Redis.
/// FusionCache's own auto-recovery is switched off: in 2.9.0, when Redis returned with its old entries, it copied
/// them over the newer memory entries of the replica that took the write (seen in this repository's Redis outage test).
/// </summary>
public sealed class CacheRepair : BackgroundService
{
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(10);

    private readonly IServiceProvider _services;
    private readonly IConnectionMultiplexer _redis;
    private readonly CacheMemoryLevel _memory;
    private readonly ILogger<CacheRepair> _logger;

    private readonly ConcurrentDictionary<string, bool> _keys = new();
    private readonly ConcurrentDictionary<string, bool> _tags = new();
    private long _lastFailureTicks;

    /// <summary>Whether the last Redis call to finish failed (concurrent calls may finish in either order).</summary>
    private volatile bool _lastCallFailed;
    private long _clearMemoryAgainAtTicks;

    public CacheRepair(
        IServiceProvider services, IConnectionMultiplexer redis, CacheMemoryLevel memory, ILogger<CacheRepair> logger)
    {
        _services = services;
        _redis = redis;
        _memory = memory;
        _logger = logger;
        redis.ConnectionRestored += OnConnectionRestored;
    }

    /// <summary>True while Redis is down or failed within the last few seconds: writes now may not reach it.</summary>
    public bool IsImpaired =>
        !_redis.IsConnected || DateTime.UtcNow.Ticks - Interlocked.Read(ref _lastFailureTicks) < Settle.Ticks;

    /// <summary>
    /// True while Redis is down, or its last call failed and none has succeeded since: a call now would wait for it.
    /// Narrower than <see cref="IsImpaired"/>, which stays true for seconds after Redis answers again (so that writes
    /// made then are still replayed): a cache that stopped waiting for Redis then would answer a write before the
    /// other replicas have heard of it (a test read a released product's old stock that way, round 23).
    /// </summary>
    public bool IsFailingNow => !_redis.IsConnected || _lastCallFailed;

    public int Pending => _keys.Count + _tags.Count;

    public void ReportFailure()
    {
        Interlocked.Exchange(ref _lastFailureTicks, DateTime.UtcNow.Ticks);
        _lastCallFailed = true;
    }

    public void ReportSuccess() => _lastCallFailed = false;

    public void AfterWrite(string key)
    {
        if (IsImpaired)
        {
            RemoveOnceBack(key);
        }
    }

    /// <summary>Removes the entry from Redis and every replica's memory once Redis answers again.</summary>
    public void RemoveOnceBack(string key) => _keys[key] = true;

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
                try
                {
                    await PassAsync(stoppingToken);
                }
                catch (Exception exception) when (!stoppingToken.IsCancellationRequested)
                {
                    // A background service's exception stops the host: repair must never take the service down
                    // with it. What is pending stays for the next pass.
                    _logger.LogWarning(exception, "A cache repair pass failed; {Pending} entries and tags wait for "
                        + "the next", Pending);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task PassAsync(CancellationToken cancellationToken)
    {
        if (Pending > 0 && _redis.IsConnected)
        {
            await RepairAsync(cancellationToken);
        }

        var clearAgainAt = Interlocked.Read(ref _clearMemoryAgainAtTicks);
        if (clearAgainAt != 0
            && DateTime.UtcNow.Ticks >= clearAgainAt
            && Interlocked.CompareExchange(ref _clearMemoryAgainAtTicks, 0, clearAgainAt) == clearAgainAt)
        {
            _memory.Clear();
        }
    }

    /// <summary>
    /// FusionCache absorbs Redis errors; the failure report from
    /// <see cref="MeasuredDistributedCache"/> is how one is seen.
    /// </summary>
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
            await _redis.GetDatabase().PingAsync();
        }
        catch (Exception exception) when (RedisFailures.IsRedisFailure(exception))
        {
            return;
        }

        // Resolved late: the cache's Redis layer reports its failures
        // here, so the cache cannot be a constructor argument.
        var cache = _services.GetRequiredService<HybridCache>();
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

        _logger.LogInformation("Redis is back: {Repaired} cache entries and tags written during the outage "
            + "were invalidated everywhere", repaired);
    }

    private void OnConnectionRestored(object? sender, ConnectionFailedEventArgs e)
    {
        if (e.ConnectionType != ConnectionType.Subscription)
        {
            return;
        }

        _memory.Clear();
        Interlocked.Exchange(ref _clearMemoryAgainAtTicks, DateTime.UtcNow.Add(Settle).Ticks);
        _logger.LogInformation("The cache backplane reconnected: this replica's memory cache was dropped, "
            + "as it may have missed invalidations");
    }

    public override void Dispose()
    {
        _redis.ConnectionRestored -= OnConnectionRestored;
        base.Dispose();
    }
}
