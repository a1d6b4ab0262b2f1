namespace CloudLab.ServiceDefaults.Caching;

/// <summary>A cache entry with its entity's version, for <see cref="ServiceCache.SetNewestAsync{T}"/>.</summary>
public readonly record struct VersionedEntry<T>(string Key, long Version, T Value);
