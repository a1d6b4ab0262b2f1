using CloudLab.ServiceDefaults.Caching;
using CloudLab.Tests.Infrastructure;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using ZiggyCreatures.Caching.Fusion;

namespace CloudLab.Tests.Unit;

/// <summary>
/// ServiceCache reads FusionCache directly, not through its HybridCache adapter: the same entries, TTLs and tags as
/// the adapter, with Redis unreachable so only memory and loaders answer.
/// </summary>
public sealed class ServiceCacheTests : IDisposable
{
    private static readonly CachePolicy Policy =
        new("service-cache-test", TimeSpan.FromMinutes(7), TimeSpan.FromSeconds(40));

    private readonly IHost _host;
    private readonly ServiceCache _cache;
    private readonly IFusionCache _fusion;

    public ServiceCacheTests()
    {
        _host = OfflineCache.CreateHost(("Caching:DistributedTimeout", "00:00:00.321"));
        _cache = _host.Services.GetRequiredService<ServiceCache>();
        _fusion = _host.Services.GetRequiredService<IFusionCache>();
    }

    public void Dispose() => _host.Dispose();

    [Fact]
    public void A_policys_entry_options_are_the_configured_defaults_with_its_ttls_made_once()
    {
        var options = _cache.EntryOptions(_fusion, Policy);

        Assert.Equal(Policy.LocalExpiration, options.Duration);
        Assert.Equal(Policy.Expiration, options.DistributedCacheDuration);
        Assert.Equal(1, options.Size); // the memory level's limit counts entries
        Assert.Equal(TimeSpan.FromMilliseconds(321), options.DistributedCacheHardTimeout);
        Assert.False(options.AllowBackgroundDistributedCacheOperations);
        Assert.Equal(0.9f, options.EagerRefreshThreshold);
        Assert.Same(options, _cache.EntryOptions(_fusion, Policy));
        Assert.NotSame(_fusion.DefaultEntryOptions, options);
    }

    [Fact]
    public async Task A_read_finds_what_the_adapter_wrote_and_the_adapter_finds_what_a_read_stored()
    {
        var hybrid = _host.Services.GetRequiredService<HybridCache>();
        await hybrid.SetAsync(Policy.Key(1), "written by the adapter", Policy.EntryOptions);

        Assert.Equal("written by the adapter", await Read(1, "loaded"));
        Assert.Equal("loaded", await Read(2, "loaded"));
        Assert.Equal("loaded", await hybrid.GetOrCreateAsync(
            Policy.Key(2), static _ => ValueTask.FromResult("not loaded again"), Policy.EntryOptions));
    }

    [Fact]
    public async Task The_loader_runs_once_until_the_entry_is_removed_or_its_tag_invalidated()
    {
        var loads = 0;
        Task<int> Load(int value, CancellationToken token) => Task.FromResult(value + Interlocked.Increment(ref loads));

        Assert.Equal(11, await _cache.GetOrLoadAsync(Policy, Policy.Key(3), 10, Load, ["tag-a"]));
        Assert.Equal(11, await _cache.GetOrLoadAsync(Policy, Policy.Key(3), 10, Load, ["tag-a"]));

        await _cache.InvalidateTagsAsync(["tag-a"]);
        Assert.Equal(12, await _cache.GetOrLoadAsync(Policy, Policy.Key(3), 10, Load, ["tag-a"]));

        await _cache.RemoveAsync(Policy, Policy.Key(3));
        Assert.Equal(13, await _cache.GetOrLoadAsync(Policy, Policy.Key(3), 10, Load, ["tag-a"]));
        Assert.Equal(3, loads);
    }

    [Fact]
    public async Task Invalidating_several_tags_at_once_drops_the_entries_of_each_and_no_others()
    {
        var loads = 0;
        Task<int> Load(int value, CancellationToken token) => Task.FromResult(value + Interlocked.Increment(ref loads));
        string[] tags = ["tag-b", "tag-c", "tag-d"];
        foreach (var (tag, i) in tags.Select((tag, i) => (tag, i)))
        {
            await _cache.GetOrLoadAsync(Policy, Policy.Key(20 + i), 100 * i, Load, [tag]);
        }

        await _cache.InvalidateTagsAsync(["tag-b", "tag-c", "tag-b"]);

        Assert.Equal(4, await _cache.GetOrLoadAsync(Policy, Policy.Key(20), 0, Load, ["tag-b"]));
        Assert.Equal(105, await _cache.GetOrLoadAsync(Policy, Policy.Key(21), 100, Load, ["tag-c"]));
        Assert.Equal(203, await _cache.GetOrLoadAsync(Policy, Policy.Key(22), 200, Load, ["tag-d"]));
        Assert.Equal(5, loads);
    }

    [Fact]
    public async Task A_cancelled_read_of_a_missing_entry_does_not_run_the_loader()
    {
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await _cache.GetOrLoadAsync(
            Policy, Policy.Key(4), 0, static (_, _) => Task.FromResult("loaded"),
            cancellationToken: cancelled.Token));
    }

    [Fact]
    public async Task An_entry_read_late_in_its_memory_life_is_refreshed_in_the_background_before_it_expires()
    {
        // 90 % of a 10 s memory life: a read from 9 s on starts the refresh. Timed from the end of the read that made
        // the entry, so the read at 9.2 s finds the entry between 9.2 s and 9.2 s plus that read old: a slow first
        // read or a late wake-up on a busy machine has 800 ms before the entry expires.
        var policy = new CachePolicy("eager-refresh-test", TimeSpan.FromMinutes(7), TimeSpan.FromSeconds(10));
        var loads = 0;
        Task<int> Load(int value, CancellationToken token) => Task.FromResult(value + Interlocked.Increment(ref loads));
        Assert.Equal(1, await _cache.GetOrLoadAsync(policy, policy.Key(5), 0, Load));
        var made = System.Diagnostics.Stopwatch.StartNew();

        await Task.Delay(TimeSpan.FromSeconds(9.2) - made.Elapsed);
        Assert.Equal(1, await _cache.GetOrLoadAsync(policy, policy.Key(5), 0, Load)); // served, then refreshed
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (Volatile.Read(ref loads) < 2 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        Assert.Equal(2, loads); // the loader ran in the background, with no read waiting on it

        // The refresh stores the value once the loader has returned; reads serve it from then on without a load.
        var served = 1;
        while (served != 2 && DateTime.UtcNow < deadline)
        {
            served = await _cache.GetOrLoadAsync(policy, policy.Key(5), 0, Load);
            await Task.Delay(served == 2 ? 0 : 20);
        }

        Assert.Equal(2, served);
        Assert.Equal(2, loads);
    }

    private ValueTask<string> Read(int id, string loaded) =>
        _cache.GetOrLoadAsync(Policy, Policy.Key(id), loaded, static (value, _) => Task.FromResult(value));
}
