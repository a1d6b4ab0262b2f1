using System.Diagnostics;
using System.Net;
using CloudLab.ServiceDefaults.Caching;
using CloudLab.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using StackExchange.Redis;

namespace CloudLab.Tests.Integration;

/// <summary>
/// A hung Redis (stopped, not dead: its connections stay open and nothing answers) behind a proxy, for one replica
/// with the services' cache. Once the replica has seen Redis fail, its cache calls stop waiting for Redis: the request
/// path serves from memory and the database, as with a dead Redis.
/// </summary>
[Collection(CloudLabCollection.Name)]
public sealed class HungRedisTests(CloudLabAppFixture app)
{
    private static readonly CachePolicy Policy = new("hung", TimeSpan.FromMinutes(5));

    /// <summary>Long enough that a call waiting for Redis cannot pass for one that did not.</summary>
    private static readonly TimeSpan CacheTimeout = TimeSpan.FromSeconds(3);

    [Fact]
    public async Task Once_Redis_is_seen_failing_cache_calls_no_longer_wait_for_a_hung_one()
    {
        var redis = ConfigurationOptions.Parse(await app.ConnectionStringAsync("redis"));
        var upstream = (DnsEndPoint)redis.EndPoints[0];
        await using var proxy = new FreezableTcpProxy(upstream.Host, upstream.Port);
        redis.EndPoints.Clear();
        redis.EndPoints.Add(IPAddress.Loopback, proxy.Port);
        using var replica = Replica(redis.ToString());
        await replica.StartAsync();
        var cache = replica.Services.GetRequiredService<ServiceCache>();
        var repair = replica.Services.GetRequiredService<CacheRepair>();
        await cache.SetAsync(Policy, Policy.Key("before"), Value(1)); // connected through the proxy

        proxy.Freeze();
        // The first call waits until Redis's client gives up on it (its 2 s timeout), which reports Redis failing.
        await cache.SetAsync(Policy, Policy.Key("first"), Value(2));
        Assert.True(repair.IsImpaired);

        var watch = Stopwatch.StartNew();
        await cache.SetAsync(Policy, Policy.Key("written"), Value(3));
        await cache.SetNewestAsync(Policy, Policy.Key("versioned"), 4, Value(4));
        await cache.RemoveAsync(Policy, Policy.Key("before"));
        await cache.InvalidateTagsAsync(["hung-tag"]);
        var loaded = await cache.GetOrLoadAsync<int, Stamped>(
            Policy, Policy.Key("missed"), 5, static (version, _) => Task.FromResult(Value(version)),
            versionOf: static value => value.Version);
        var elapsed = watch.Elapsed;
        proxy.Thaw();

        Assert.Equal(5, loaded.Version);
        Assert.Equal(3, (await cache.GetOrLoadAsync<int, Stamped>(
            Policy, Policy.Key("written"), 0, static (_, _) => Task.FromResult(Value(0)))).Version); // from memory
        Assert.True(
            elapsed < CacheTimeout / 3,
            $"five cache calls took {elapsed.TotalMilliseconds:N0} ms with Redis hung; each waited for it before");
        await replica.StopAsync();
    }

    private static IHost Replica(string redis)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Environment.ApplicationName = $"hung-{Guid.NewGuid():N}";
        builder.Configuration["ConnectionStrings:redis"] = redis;
        builder.Configuration["Caching:DistributedTimeout"] = CacheTimeout.ToString();
        builder.AddServiceCache();
        return builder.Build();
    }

    private static Stamped Value(long version) => new($"v{version}", version);

    public sealed record Stamped(string Value, long Version);
}
