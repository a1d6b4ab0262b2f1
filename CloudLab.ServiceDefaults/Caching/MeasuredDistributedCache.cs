using System.Diagnostics;
using Microsoft.Extensions.Caching.Distributed;

namespace CloudLab.ServiceDefaults.Caching;

/// <summary>
/// Times and counts every operation FusionCache sends to Redis (the L2), errors included, and tells
/// <see cref="CacheRepair"/> when Redis fails. An operation still unanswered after <paramref name="timeout"/> (the
/// cache's, after which FusionCache stops waiting) counts as a failure then, not only when StackExchange.Redis gives
/// up on it (2 s): a hung Redis answers nothing, and until the failure is known every cache call waits for it (49
/// orders refused in the first 2 s of a 10 s Redis freeze, round 23).
/// </summary>
internal sealed class MeasuredDistributedCache(
    IDistributedCache inner, CacheMetrics metrics, CacheRepair repair, TimeSpan timeout)
    : IDistributedCache
{
    private const string Level = "l2";

    public byte[]? Get(string key) => Measure("get", () => inner.Get(key));

    public Task<byte[]?> GetAsync(string key, CancellationToken token = default) =>
        MeasureAsync("get", () => inner.GetAsync(key, token));

    public void Set(string key, byte[] value, DistributedCacheEntryOptions options) =>
        Measure("set", () => { inner.Set(key, value, options); return true; });

    public Task SetAsync(
        string key, byte[] value, DistributedCacheEntryOptions options, CancellationToken token = default) =>
        MeasureAsync("set", async () => { await inner.SetAsync(key, value, options, token); return true; });

    public void Refresh(string key) => Measure("refresh", () => { inner.Refresh(key); return true; });

    public Task RefreshAsync(string key, CancellationToken token = default) =>
        MeasureAsync("refresh", async () => { await inner.RefreshAsync(key, token); return true; });

    public void Remove(string key) => Measure("remove", () => { inner.Remove(key); return true; });

    public Task RemoveAsync(string key, CancellationToken token = default) =>
        MeasureAsync("remove", async () => { await inner.RemoveAsync(key, token); return true; });

    private void Record(string operation, long started, bool failed)
    {
        metrics.RecordOperation(Level, operation, Stopwatch.GetElapsedTime(started), failed);
        if (failed)
        {
            repair.ReportFailure();
        }
    }

    private T Measure<T>(string operation, Func<T> run)
    {
        var started = Stopwatch.GetTimestamp();
        var failed = true;
        try
        {
            var result = run();
            failed = false;
            return result;
        }
        finally
        {
            Record(operation, started, failed);
        }
    }

    private async Task<T> MeasureAsync<T>(string operation, Func<Task<T>> run)
    {
        var started = Stopwatch.GetTimestamp();
        var failed = true;
        try
        {
            var pending = run();
            if (!pending.IsCompleted)
            {
                try
                {
                    await pending.WaitAsync(timeout);
                }
                catch (TimeoutException)
                {
                    repair.ReportFailure(); // and the operation's own outcome is still awaited below
                }
            }

            var result = await pending;
            failed = false;
            return result;
        }
        finally
        {
            Record(operation, started, failed);
        }
    }
}
