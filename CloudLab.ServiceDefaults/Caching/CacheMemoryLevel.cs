using Microsoft.Extensions.Caching.Memory;

namespace CloudLab.ServiceDefaults.Caching;

/// <summary>
/// The cache's memory level (L1), owned here rather than inside FusionCache so that <see cref="CacheRepair"/> can drop
/// it whole when this replica may have missed invalidations.
/// </summary>
public sealed class CacheMemoryLevel : IDisposable
{
    public MemoryCache Cache { get; } = new(new MemoryCacheOptions());

    public void Clear() => Cache.Clear();

    public void Dispose() => Cache.Dispose();
}
