using Microsoft.Extensions.Caching.Memory;

namespace CloudLab.ServiceDefaults.Caching;

/// <summary>
/// The cache's memory level (L1), owned here rather than inside FusionCache so that <see cref="CacheRepair"/> can drop
/// it whole when this replica may have missed invalidations. It holds at most <paramref name="entryLimit"/> entries
/// (every entry counts 1): anonymous list queries with arbitrary filters cannot grow it without bound. Past the
/// limit a new entry is not kept in memory (it is still in Redis) and a tenth of the entries is compacted away.
/// </summary>
public sealed class CacheMemoryLevel(int entryLimit) : IDisposable
{
    public const int DefaultEntryLimit = 100_000;

    public MemoryCache Cache { get; } =
        new(new MemoryCacheOptions { SizeLimit = entryLimit, CompactionPercentage = 0.1 });

    public void Clear() => Cache.Clear();

    public void Dispose() => Cache.Dispose();
}
