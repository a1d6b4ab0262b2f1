using System.Diagnostics;
using Microsoft.Extensions.Caching.Distributed;

namespace CloudLab.ServiceDefaults.Caching;

/// <summary>Times and counts every operation FusionCache sends to Redis (the L2), errors included.</summary>
internal sealed class MeasuredDistributedCache(IDistributedCache inner, CacheMetrics metrics, CacheRepair repair)
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
        else
        {
            repair.ReportSuccess();
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
            var result = await run();
            failed = false;
            return result;
        }
        finally
        {
            Record(operation, started, failed);
        }
    }
}
