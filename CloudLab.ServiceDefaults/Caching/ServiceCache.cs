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
/// <see cref="SetNewestAsync{T}"/> for entities that replicas change concurrently: the newest version stays.
/// </item>
/// <item>Related keys: entries carry tags, and <see cref="InvalidateTagsAsync"/> drops all entries with a tag.</item>
/// <item>
/// Writes made while Redis is unreachable are replayed everywhere once it is back (<see cref="CacheRepair"/>).
/// </item>
/// </list>
/// </summary>
public sealed class ServiceCache
{
    private readonly HybridCache _cache;
    private readonly CacheMetrics _metrics;
    private readonly CacheRepair? _repair;
    private readonly CacheVersions? _versions;

    /// <summary>
    /// FusionCache under the HybridCache adapter, read directly: the adapter copies the default entry options (some 40
    /// fields) and wraps the loader in a closure on every call, hit or not (4.7 µs of a ~72 µs cached read, with
    /// FusionCache's own lookup, in a perf profile).
    /// </summary>
    private readonly IFusionCache? _fusion;

    /// <summary>
    /// Each policy's entry options as the adapter would make them, made once. By reference: policies are static
    /// instances, and the record's own hash would combine its fields on every read.
    /// </summary>
    private readonly ConcurrentDictionary<CachePolicy, FusionCacheEntryOptions> _entryOptions =
        new(ReferenceEqualityComparer.Instance);

    /// <summary>
    /// Versioned loads of entries that were still cached (FusionCache's eager refresh, in the background), by
    /// FusionCache's key, until FusionCache has stored what they loaded and says so (BackgroundFactorySuccess).
    /// </summary>
    private readonly ConcurrentDictionary<string, Refresh> _refreshes = new();

    /// <summary>
    /// Each policy's entry options while Redis is failing (<see cref="CacheRepair.IsFailingNow"/>): a miss goes to the
    /// database without asking Redis, and writes, removals and their backplane messages go to Redis in the background.
    /// A hung Redis (stopped, not dead) answers nothing, so each of those waited for the cache's timeout on the request
    /// path: frozen 10 s in a chaos run, it held the write batches that drop tags or write entries for seconds, and
    /// the service layer's bound on requests in flight refused 303 requests (round 23). A write still reaches a Redis
    /// that answers after all, and CacheRepair replays what was written meanwhile once it is back.
    /// </summary>
    private readonly ConcurrentDictionary<CachePolicy, FusionCacheEntryOptions> _failingEntryOptions =
        new(ReferenceEqualityComparer.Instance);

    /// <summary>For removals and tag drops while Redis is failing.</summary>
    private readonly FusionCacheEntryOptions? _failingRemoval;

    public ServiceCache(
        HybridCache cache, CacheMetrics metrics, CacheRepair? repair = null, CacheVersions? versions = null)
    {
        _cache = cache;
        _metrics = metrics;
        _repair = repair;
        _versions = versions;
        _fusion = (cache as FusionHybridCache)?.InnerFusionCache;
        if (_fusion is not null)
        {
            _failingRemoval = WhileFailing(_fusion.DefaultEntryOptions.Duplicate());
        }

        if (_fusion is not null && versions is not null)
        {
            _fusion.Events.BackgroundFactorySuccess += (_, stored) => _ = CheckRefreshAsync(stored.Key);
        }
    }

    /// <summary>
    /// Cache-aside, the one way services read through the cache: the entry under <paramref name="key"/>, or what
    /// <paramref name="load"/> returns for <paramref name="argument"/>, stored with the policy's TTLs and tags.
    /// </summary>
    /// <param name="versionOf">
    /// For entries written with <see cref="SetNewestAsync{T}"/>: the version of a loaded value. A load reads the
    /// database before its entry is stored, and a newer version's write can land in between; when a newer version has
    /// been claimed by then, the loaded entry is removed again (one Redis call per load, none per hit).
    /// </param>
    public async ValueTask<T> GetOrLoadAsync<TArgument, T>(
        CachePolicy policy,
        string key,
        TArgument argument,
        Func<TArgument, CancellationToken, Task<T>> load,
        IEnumerable<string>? tags = null,
        Func<T, long?>? versionOf = null,
        CancellationToken cancellationToken = default)
    {
        var started = Stopwatch.GetTimestamp();
        var call = new LoadCall<TArgument, T>(this, policy, load, argument, versionOf);
        var value = _fusion is { } fusion
            ? await fusion.GetOrSetAsync<T>(
                key,
                call.InvokeAsync,
                default,
                RedisFailingNow ? FailingEntryOptions(fusion, policy) : EntryOptions(fusion, policy),
                tags,
                cancellationToken)
            : await _cache.GetOrCreateAsync(
                key, call, static (call, token) => call.InvokeAsync(token), policy.EntryOptions, tags,
                cancellationToken);
        call.Returned = true;
        _metrics.RecordRead(policy.Name, hit: !call.Invoked, Stopwatch.GetElapsedTime(started));
        if (call.Invoked && versionOf?.Invoke(value) is { } version)
        {
            await RemoveIfOvertakenAsync(policy, key, version, cancellationToken);
        }

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

    private FusionCacheEntryOptions FailingEntryOptions(IFusionCache fusion, CachePolicy policy) =>
        _failingEntryOptions.GetOrAdd(policy, static (policy, state) =>
            WhileFailing(state.Owner.EntryOptions(state.Fusion, policy).Duplicate()), (Owner: this, Fusion: fusion));

    private static FusionCacheEntryOptions WhileFailing(FusionCacheEntryOptions options)
    {
        options.SkipDistributedCacheRead = true;
        options.AllowBackgroundDistributedCacheOperations = true;
        options.AllowBackgroundBackplaneOperations = true;
        return options;
    }

    private bool RedisFailingNow => _fusion is not null && _repair?.IsFailingNow == true;

    /// <summary>
    /// Writes an entry without a version. Not for an entity's write-through after a change: a read that loaded the
    /// entity before the change can store it after this write, and nothing removes it before it expires (a test run
    /// once read a changed entity's old state for 20 s that way). Entities use <see cref="SetNewestAsync{T}"/>.
    /// </summary>
    public async ValueTask SetAsync<T>(
        CachePolicy policy,
        string key,
        T value,
        IEnumerable<string>? tags = null,
        CancellationToken cancellationToken = default)
    {
        var started = Stopwatch.GetTimestamp();
        if (RedisFailingNow)
        {
            await _fusion!.SetAsync(key, value, FailingEntryOptions(_fusion, policy), tags, cancellationToken);
        }
        else
        {
            await _cache.SetAsync(key, value, policy.EntryOptions, tags, cancellationToken);
        }

        _metrics.RecordOperation(policy.Name, "set", Stopwatch.GetElapsedTime(started), failed: false);
        _repair?.AfterWrite(key);
    }

    /// <summary>
    /// One entity's write-through after a change, by its version: as easy to call as <see cref="SetAsync{T}"/>, which
    /// entities must not use. The rules are those of the batch form below.
    /// </summary>
    public ValueTask SetNewestAsync<T>(
        CachePolicy policy, string key, long version, T value, CancellationToken cancellationToken = default) =>
        SetNewestAsync(policy, [new VersionedEntry<T>(key, version, value)], cancellationToken);

    /// <summary>
    /// Write-through of entries that carry their entity's version (a row version the database increments on every
    /// change): an entry is written unless a newer version of it has been, by any replica, and is removed if a newer
    /// version was claimed while it was being written, so the cache never keeps an older version than the newest
    /// written (see <see cref="CacheVersions"/>).
    /// </summary>
    /// <remarks>
    /// While Redis is impaired (<see cref="CacheRepair.IsImpaired"/>: failing, or failed in the last seconds), plain
    /// <see cref="SetAsync{T}"/>s: a frozen Redis would otherwise cost each write the
    /// cache's timeout three times (claim, write, check) instead of once, and <see cref="CacheRepair"/> replays those
    /// writes as removals once Redis is back, which leaves no version behind either.
    /// </remarks>
    public async ValueTask SetNewestAsync<T>(
        CachePolicy policy, IReadOnlyList<VersionedEntry<T>> entries, CancellationToken cancellationToken = default)
    {
        if (_versions is null || entries.Count == 0 || _repair?.IsImpaired == true)
        {
            await WriteAsync(policy, entries, cancellationToken);
            return;
        }

        var started = Stopwatch.GetTimestamp();
        var claimed = await _versions.ClaimAsync(policy, [.. entries.Select(entry => (entry.Key, entry.Version))]);
        _metrics.RecordOperation(policy.Name, "claim", Stopwatch.GetElapsedTime(started), failed: claimed is null);
        if (claimed is null)
        {
            await WriteAsync(policy, entries, cancellationToken);
            return;
        }

        await WriteClaimedAsync(policy, [.. entries.Where((_, index) => claimed[index])], cancellationToken);
    }

    /// <summary>
    /// The second half of <see cref="SetNewestAsync{T}"/>: writes entries whose versions it claimed, then removes
    /// those whose claim a newer version replaced meanwhile.
    /// </summary>
    internal async ValueTask WriteClaimedAsync<T>(
        CachePolicy policy, IReadOnlyList<VersionedEntry<T>> entries, CancellationToken cancellationToken)
    {
        if (entries.Count == 0)
        {
            return;
        }

        await WriteAsync(policy, entries, cancellationToken);
        // Unanswered, the check counts every entry as overtaken (see RemoveIfOvertakenAsync).
        var superseded = await _versions!.SupersededAsync([.. entries.Select(entry => (entry.Key, entry.Version))]);
        await Task.WhenAll(entries.Where((_, index) => superseded?[index] != false)
            .Select(entry => RemoveAsync(policy, entry.Key, cancellationToken).AsTask()));
    }

    /// <remarks>Concurrently: the entries are independent, one at a time would cost a Redis round trip each.</remarks>
    private Task WriteAsync<T>(
        CachePolicy policy, IReadOnlyList<VersionedEntry<T>> entries, CancellationToken cancellationToken) =>
        Task.WhenAll(entries.Select(entry =>
            SetAsync(policy, entry.Key, entry.Value, cancellationToken: cancellationToken).AsTask()));

    public async ValueTask RemoveAsync(CachePolicy policy, string key, CancellationToken cancellationToken = default)
    {
        var started = Stopwatch.GetTimestamp();
        await (RedisFailingNow
            ? _fusion!.RemoveAsync(key, _failingRemoval, cancellationToken)
            : _cache.RemoveAsync(key, cancellationToken));
        _metrics.RecordOperation(policy.Name, "remove", Stopwatch.GetElapsedTime(started), failed: false);
        _repair?.AfterWrite(key);
    }

    /// <remarks>
    /// The tags are dropped concurrently: HybridCache drops a list one tag after another, a Redis write and a backplane
    /// message each, and the 25 owners of a batch of placed orders took 40 ms that way (1.6 ms a tag, under load).
    /// </remarks>
    public async ValueTask InvalidateTagsAsync(IEnumerable<string> tags, CancellationToken cancellationToken = default)
    {
        var started = Stopwatch.GetTimestamp();
        tags = tags.Distinct().ToList();
        var failing = RedisFailingNow;
        await Task.WhenAll(tags.Select(tag => failing
            ? _fusion!.RemoveByTagAsync(tag, _failingRemoval, cancellationToken).AsTask()
            : _cache.RemoveByTagAsync(tag, cancellationToken).AsTask()));
        _metrics.RecordOperation("tags", "invalidate", Stopwatch.GetElapsedTime(started), failed: false);
        _repair?.AfterInvalidation(tags);
    }

    /// <summary>
    /// After FusionCache has stored what a refresh loaded: removes it if a newer version was claimed meanwhile, as
    /// <see cref="GetOrLoadAsync{TArgument,T}"/> does after a load on the request path.
    /// </summary>
    private async Task CheckRefreshAsync(string fusionKey)
    {
        if (_refreshes.TryRemove(fusionKey, out var refresh))
        {
            await RemoveIfOvertakenAsync(refresh.Policy, refresh.Key, refresh.Version, CancellationToken.None);
        }
    }

    /// <summary>
    /// An entry loaded at <paramref name="version"/> and stored: removed if a newer version was claimed meanwhile (its
    /// write may have landed first), or if Redis does not say in time. A slow Redis still applies the entry's write
    /// late, so an unchecked entry could stand over a newer one for its whole life (a test saw version 5 kept after 6
    /// was written). While Redis is impaired the check is not made (it would cost the cache's timeout once more):
    /// CacheRepair removes the entry everywhere once Redis is back, as it does the writes made meanwhile. Neither call
    /// throws when Redis fails.
    /// </summary>
    private async ValueTask RemoveIfOvertakenAsync(
        CachePolicy policy, string key, long version, CancellationToken cancellationToken)
    {
        if (_versions is null)
        {
            return;
        }

        if (_repair?.IsImpaired == true)
        {
            _repair.RemoveOnceBack(key);
            return;
        }

        // Unanswered (null), the check has reported Redis failing: the removal then does not wait for Redis, and
        // CacheRepair replays it once Redis answers.
        if (await _versions.NewerClaimedAsync(key, version) != false)
        {
            await RemoveAsync(policy, key, cancellationToken);
        }
    }

    /// <summary>
    /// Two refreshes of one key before the first is stored: the older version is the one to check, since a check
    /// removes the entry whenever anything newer than it was claimed.
    /// </summary>
    private void TrackRefresh(string fusionKey, Refresh refresh) =>
        _refreshes.AddOrUpdate(
            fusionKey,
            static (_, added) => added,
            static (_, tracked, added) => added.Version < tracked.Version ? added : tracked,
            refresh);

    private sealed record Refresh(CachePolicy Policy, string Key, long Version);

    /// <summary>
    /// Remembers whether the loader ran on the request path, which is what tells a miss from a hit, and hands the
    /// versions of background loads to <see cref="CheckRefreshAsync"/>.
    /// </summary>
    private sealed class LoadCall<TArgument, T>(
        ServiceCache owner,
        CachePolicy policy,
        Func<TArgument, CancellationToken, Task<T>> load,
        TArgument argument,
        Func<T, long?>? versionOf)
    {
        public bool Invoked { get; private set; }

        /// <summary>Set once the read has its value: a load after that is FusionCache's, in the background.</summary>
        public bool Returned { get; set; }

        public ValueTask<T> InvokeAsync(CancellationToken cancellationToken)
        {
            Invoked = true;
            return new ValueTask<T>(load(argument, cancellationToken));
        }

        /// <summary>
        /// FusionCache's factory shape. A load with the old value still at hand is a refresh (FusionCache's eager
        /// refresh runs this factory in the background, after the read that started it returned the old value): its
        /// entry is stored after the read's own version check, so the check is made again once FusionCache reports the
        /// entry stored.
        /// </summary>
        public Task<T> InvokeAsync(FusionCacheFactoryExecutionContext<T> context, CancellationToken cancellationToken)
        {
            if (!Returned)
            {
                Invoked = true;
            }

            return context.HasStaleValue && versionOf is not null && owner._versions is not null
                ? RefreshAsync(context.Key, context.OriginalKey, cancellationToken)
                : load(argument, cancellationToken);
        }

        private async Task<T> RefreshAsync(string fusionKey, string key, CancellationToken cancellationToken)
        {
            var value = await load(argument, cancellationToken);
            if (versionOf!(value) is { } version)
            {
                owner.TrackRefresh(fusionKey, new Refresh(policy, key, version));
            }

            return value;
        }
    }
}
