using CloudLab.ServiceDefaults.Caching;
using CloudLab.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace CloudLab.Tests.Integration;

/// <summary>
/// Two replicas of one service (hosts with the services' cache, on the app's Redis) write versions of one entry
/// concurrently: whatever order their writes reach Redis in, the cache ends with the newest version written.
/// </summary>
[Collection(CloudLabCollection.Name)]
public sealed class CacheVersionTests(CloudLabAppFixture app) : IAsyncLifetime
{
    private static readonly Stamped FromDatabase = new("loaded from the database", 0);

    private static readonly CachePolicy Policy = new("versioned", TimeSpan.FromMinutes(5));

    private readonly string _key = Policy.Key(Guid.NewGuid());
    private IHost _first = null!;
    private IHost _second = null!;

    public async Task InitializeAsync()
    {
        var redis = await app.ConnectionStringAsync("redis");
        var service = $"versions-{Guid.NewGuid():N}";
        _first = Replica(service, redis);
        _second = Replica(service, redis);
        // Both caches built, so subscribed to the backplane, before anything is written.
        await Cache(_first).RemoveAsync(Policy, Policy.Key("warm-up"));
        await Cache(_second).RemoveAsync(Policy, Policy.Key("warm-up"));
    }

    public Task DisposeAsync()
    {
        _first.Dispose();
        _second.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task A_version_older_than_one_written_elsewhere_is_not_written()
    {
        await Cache(_second).SetNewestAsync(Policy, [Version(6)]);
        await Cache(_first).SetNewestAsync(Policy, [Version(5)]);

        Assert.Equal(6, (await ReadAsync(_first)).Version);
        Assert.Equal(6, (await ReadAsync(_second)).Version);
    }

    [Fact]
    public async Task A_write_that_lands_after_a_newer_one_is_removed()
    {
        // The first replica claims version 5; the second's version 6 is claimed and written; only then does the first
        // replica's write of version 5 land, over it.
        var versions = _first.Services.GetRequiredService<CacheVersions>();
        var claimed = await versions.ClaimAsync(Policy, [(_key, 5)]);
        Assert.Equal(new[] { true }, claimed);
        await Cache(_second).SetNewestAsync(Policy, [Version(6)]);
        await Cache(_first).WriteClaimedAsync(Policy, [Version(5)], default);

        Assert.Equal(FromDatabase, await ReadAsync(_first));
        Assert.Equal(FromDatabase, await Eventually.GetAsync(() => ReadWhenAsync(_second, FromDatabase)));
    }

    [Fact]
    public async Task Replicas_writing_versions_concurrently_leave_the_newest_everywhere()
    {
        var writes = Enumerable.Range(1, 200).Select(version => Task.Run(async () =>
        {
            var replica = version % 2 == 0 ? _second : _first;
            await Cache(replica).SetNewestAsync(Policy, [Version(version)]);
        }));
        await Task.WhenAll(writes);

        // The newest version, or none (a write overtaken in Redis removes the entry, and a read then loads), once the
        // backplane's last messages are in.
        foreach (var replica in new[] { _first, _second })
        {
            var read = await Eventually.GetAsync(async () =>
                await ReadAsync(replica) is { Version: 200 or 0 } value ? value : null);
            Assert.True(read is not null, $"a replica still reads version {(await ReadAsync(replica)).Version}");
        }
    }

    [Fact]
    public async Task A_load_that_read_a_version_older_than_one_written_meanwhile_is_removed()
    {
        // The first replica's read misses and loads version 5 from the database; before its entry is stored, the
        // second replica commits version 6 and writes it.
        var loaded = await Cache(_first).GetOrLoadAsync<int, Stamped>(
            Policy,
            _key,
            0,
            async (_, token) =>
            {
                await Cache(_second).SetNewestAsync(Policy, [Version(6)], token);
                return Version(5).Value;
            },
            versionOf: static value => value.Version);

        Assert.Equal(5, loaded.Version); // the caller gets what it read
        Assert.Equal(FromDatabase, await ReadAsync(_first));
        Assert.Equal(FromDatabase, await Eventually.GetAsync(() => ReadWhenAsync(_second, FromDatabase)));
    }

    [Fact]
    public async Task A_load_of_the_newest_version_stays()
    {
        await Cache(_second).SetNewestAsync(Policy, [Version(6)]);
        await Cache(_second).RemoveAsync(Policy, _key); // expired, say: the claim of 6 outlives it

        var loaded = await Cache(_first).GetOrLoadAsync<int, Stamped>(
            Policy,
            _key,
            0,
            static (_, _) => Task.FromResult(new Stamped("v6", 6)),
            versionOf: static value => value.Version);

        Assert.Equal(6, loaded.Version);
        Assert.Equal(6, (await ReadAsync(_second)).Version);
    }

    private static IHost Replica(string service, string redis)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Environment.ApplicationName = service;
        builder.Configuration["ConnectionStrings:redis"] = redis;
        builder.AddServiceCache();
        return builder.Build();
    }

    private static ServiceCache Cache(IHost replica) => replica.Services.GetRequiredService<ServiceCache>();

    private VersionedEntry<Stamped> Version(long version) => new(_key, version, new Stamped($"v{version}", version));

    /// <summary>The replica's read through its cache; a miss loads a value that no write above wrote.</summary>
    private async Task<Stamped> ReadAsync(IHost replica) =>
        await Cache(replica).GetOrLoadAsync<int, Stamped>(
            Policy, _key, 0, static (_, _) => Task.FromResult(FromDatabase));

    private async Task<Stamped?> ReadWhenAsync(IHost replica, Stamped expected) =>
        await ReadAsync(replica) == expected ? expected : null;

    /// <summary>An entity's value with its row version.</summary>
    public sealed record Stamped(string Value, long Version);
}
