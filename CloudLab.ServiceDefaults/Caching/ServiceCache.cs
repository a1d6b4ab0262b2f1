using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Caching.Hybrid;
using ZiggyCreatures.Caching.Fusion;
using ZiggyCreatures.Caching.Fusion.MicrosoftHybridCache;

namespace CloudLab.ServiceDefaults.Caching;

/// <summary>
/// The services' cache: HybridCache (FusionCache underneath: L1 memory, L2 Redis, Redis backplane) used through
/// <see cref="CachePolicy"/>s, with every read counted as a hit or a miss.
/// <list type="bullet">
/// <item>
/// Cache-aside reads: <see cref="GetOrLoadAsync{TArgument,T}"/>; concurrent misses on one key run the factory once.
/// </item>
/// <item>
/// Write-through: <see cref="SetAsync{T}"/> after the database commit; every replica's memory copy is dropped.
/// </item>
/// <item>Related keys: entries carry tags, and <see cref="InvalidateTagsAsync"/> drops all entries with a tag.</item>
/// <item>
/// Writes made while Redis is unreachable are replayed everywhere once it is back (<see cref="CacheRepair"/>).
/// </item>
/// </list>
/// </summary>
public sealed class ServiceCache(HybridCache cache, CacheMetrics metrics, CacheRepair? repair = null)
{
    /// <summary>
    /// FusionCache under the HybridCache adapter, read directly: the adapter copies the default entry options (some 40
    /// fields) and wraps the loader in a closure on every call, hit or not (4.7 µs of a ~72 µs cached read, with
    /// FusionCache's own lookup, in a perf profile).
    /// </summary>
    private readonly IFusionCache? _fusion = (cache as FusionHybridCache)?.InnerFusionCache;

    /// <summary>Each policy's entry options as the adapter would make them, made once.</summary>
    private readonly ConcurrentDictionary<CachePolicy, FusionCacheEntryOptions> _entryOptions = new();

    /// <summary>
    /// Cache-aside, the one way services read through the cache: the entry under <paramref name="key"/>, or what
    /// <paramref name="load"/> returns for <paramref name="argument"/>, stored with the policy's TTLs and tags.
    /// </summary>
    public async ValueTask<T> GetOrLoadAsync<TArgument, T>(
        CachePolicy policy,
        string key,
        TArgument argument,
        Func<TArgument, CancellationToken, Task<T>> load,
        IEnumerable<string>? tags = null,
        CancellationToken cancellationToken = default)
    {
        var started = Stopwatch.GetTimestamp();
        var call = new LoadCall<TArgument, T>(load, argument);
        var value = _fusion is { } fusion
            ? await fusion.GetOrSetAsync<T>(
                key, call.InvokeAsync, default, EntryOptions(fusion, policy), tags, cancellationToken)
            : await cache.GetOrCreateAsync(
                key, call, static (call, token) => call.InvokeAsync(token), policy.EntryOptions, tags,
                cancellationToken);
        metrics.RecordRead(policy.Name, hit: !call.Invoked, Stopwatch.GetElapsedTime(started));
        return value;
    }

    /// <summary>
    /// What the HybridCache adapter makes of <see cref="CachePolicy.EntryOptions"/>: the default entry options with
    /// the policy's TTLs (memory: the local expiration; Redis: the expiration).
    /// </summary>
    internal FusionCacheEntryOptions EntryOptions(IFusionCache fusion, CachePolicy policy) =>
        _entryOptions.TryGetValue(policy, out var options)
            ? options
            : _entryOptions.GetOrAdd(policy, static (policy, fusion) =>
            {
                var options = fusion.DefaultEntryOptions.Duplicate();
                options.DistributedCacheDuration = policy.Expiration;
                options.Duration = policy.LocalExpiration;
                return options;
            }, fusion);

    public async ValueTask SetAsync<T>(
        CachePolicy policy,
        string key,
        T value,
        IEnumerable<string>? tags = null,
        CancellationToken cancellationToken = default)
    {
        var started = Stopwatch.GetTimestamp();
        await cache.SetAsync(key, value, policy.EntryOptions, tags, cancellationToken);
        metrics.RecordOperation(policy.Name, "set", Stopwatch.GetElapsedTime(started), failed: false);
        repair?.AfterWrite(key);
    }

    public async ValueTask RemoveAsync(CachePolicy policy, string key, CancellationToken cancellationToken = default)
    {
        var started = Stopwatch.GetTimestamp();
        await cache.RemoveAsync(key, cancellationToken);
        metrics.RecordOperation(policy.Name, "remove", Stopwatch.GetElapsedTime(started), failed: false);
        repair?.AfterWrite(key);
    }

    /// <remarks>
    /// The tags are dropped concurrently: HybridCache drops a list one tag after another, a Redis write and a backplane
    /// message each, and the 25 owners of a batch of placed orders took 40 ms that way (1.6 ms a tag, under load).
    /// </remarks>
    public async ValueTask InvalidateTagsAsync(IEnumerable<string> tags, CancellationToken cancellationToken = default)
    {
        var started = Stopwatch.GetTimestamp();
        tags = tags.Distinct().ToList();
        await Task.WhenAll(tags.Select(tag => cache.RemoveByTagAsync(tag, cancellationToken).AsTask()));
        metrics.RecordOperation("tags", "invalidate", Stopwatch.GetElapsedTime(started), failed: false);
        repair?.AfterInvalidation(tags);
    }

    /// <summary>Remembers whether the loader ran, which is what tells a miss from a hit.</summary>
    private sealed class LoadCall<TArgument, T>(Func<TArgument, CancellationToken, Task<T>> load, TArgument argument)
    {
        public bool Invoked { get; private set; }

        public ValueTask<T> InvokeAsync(CancellationToken cancellationToken)
        {
            Invoked = true;
            return new ValueTask<T>(load(argument, cancellationToken));
        }

        /// <summary>FusionCache's factory shape.</summary>
        public Task<T> InvokeAsync(FusionCacheFactoryExecutionContext<T> context, CancellationToken cancellationToken)
        {
            Invoked = true;
            return load(argument, cancellationToken);
        }
    }
}
