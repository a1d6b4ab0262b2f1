using Microsoft.Extensions.Caching.Hybrid;

namespace CloudLab.ServiceDefaults.Caching;

/// <summary>
/// A named kind of cache entry with its TTLs. <paramref name="Expiration"/> is the standard's TTL (it applies to
/// Redis); <paramref name="LocalExpiration"/> bounds how long a replica's memory copy lives. The backplane removes
/// memory copies on every write, but while Redis (and so the backplane) is down it cannot, and the short local TTL is
/// what limits how stale another replica can be then.
/// </summary>
public sealed record CachePolicy(string Name, TimeSpan Expiration, TimeSpan LocalExpiration)
{
    /// <summary>
    /// How long a memory copy lives unless a service says otherwise: the bound on staleness while Redis is down.
    /// </summary>
    public static readonly TimeSpan DefaultLocalExpiration = TimeSpan.FromMinutes(1);

    public CachePolicy(string name, TimeSpan expiration)
        : this(name, expiration, DefaultLocalExpiration)
    {
    }

    public HybridCacheEntryOptions EntryOptions { get; } =
        new() { Expiration = Expiration, LocalCacheExpiration = LocalExpiration };

    public string Key(string id) => string.Concat(Name, ":", id);

    /// <remarks>One string, formatted in place: a key is made on every read, cache hits included.</remarks>
    public string Key(Guid id) => $"{Name}:{id:N}";

    public string Key(long id) => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{Name}:{id}");
}
