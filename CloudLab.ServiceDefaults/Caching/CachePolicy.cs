using Microsoft.Extensions.Caching.Hybrid;

namespace CloudLab.ServiceDefaults.Caching;

/// <summary>
/// A named kind of cache entry with its TTLs. <paramref name="Expiration"/> is the standard's TTL (it applies to Redis);
/// <paramref name="LocalExpiration"/> bounds how long a replica's memory copy lives. The backplane removes memory copies
/// on every write, but while Redis (and so the backplane) is down it cannot, and the short local TTL is what limits how
/// stale another replica can be then.
/// </summary>
public sealed record CachePolicy(string Name, TimeSpan Expiration, TimeSpan LocalExpiration)
{
    public HybridCacheEntryOptions EntryOptions { get; } = new() { Expiration = Expiration, LocalCacheExpiration = LocalExpiration };

    public string Key(string id) => string.Concat(Name, ":", id);

    public string Key(Guid id) => Key(id.ToString("N"));

    public string Key(long id) => Key(id.ToString(System.Globalization.CultureInfo.InvariantCulture));
}

/// <summary>The standard's TTLs.</summary>
public static class CachePolicies
{
    private static readonly TimeSpan LocalCopy = TimeSpan.FromMinutes(1);

    public static readonly CachePolicy User = new("user", TimeSpan.FromMinutes(15), LocalCopy);
    public static readonly CachePolicy Product = new("product", TimeSpan.FromMinutes(30), LocalCopy);
    public static readonly CachePolicy ProductList = new("product-list", TimeSpan.FromMinutes(30), LocalCopy);
    public static readonly CachePolicy Category = new("category", TimeSpan.FromMinutes(30), LocalCopy);
    public static readonly CachePolicy Order = new("order", TimeSpan.FromMinutes(5), LocalCopy);
    public static readonly CachePolicy Payment = new("payment", TimeSpan.FromMinutes(5), LocalCopy);

    /// <summary>Analytics aggregates change with every event; a minute of staleness is what dashboards tolerate.</summary>
    public static readonly CachePolicy Analytics = new("analytics", TimeSpan.FromMinutes(1), TimeSpan.FromSeconds(30));
}
