using CloudLab.ServiceDefaults.Caching;
using CloudLab.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace CloudLab.Tests.Unit;

/// <summary>
/// The memory level as AddServiceCache builds it, with Redis unreachable so only memory and loaders answer.
/// </summary>
public sealed class CacheMemoryLimitTests
{
    [Fact]
    public async Task The_memory_level_keeps_at_most_its_entry_limit_and_every_read_still_answers()
    {
        using var host = OfflineCache.CreateHost(("Caching:MemoryEntryLimit", "100"));
        var cache = host.Services.GetRequiredService<ServiceCache>();
        var memory = host.Services.GetRequiredService<CacheMemoryLevel>();
        var policy = new CachePolicy("limit-test", TimeSpan.FromMinutes(5));

        for (var i = 0; i < 500; i++)
        {
            var value = await cache.GetOrLoadAsync(
                policy, policy.Key(i), i, static (n, _) => Task.FromResult(n), ["limit-tests"]);
            Assert.Equal(i, value);
        }

        Assert.InRange(memory.Cache.Count, 1, 100);
        await cache.InvalidateTagsAsync(["limit-tests"]);
        Assert.Equal(7, await cache.GetOrLoadAsync(policy, policy.Key(7), 7, static (n, _) => Task.FromResult(n)));
    }
}
