using CloudLab.ServiceDefaults.Caching;
using CloudLab.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using ZiggyCreatures.Caching.Fusion;

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
    private readonly string _service = $"versions-{Guid.NewGuid():N}";
    private string _redis = null!;
    private IHost _first = null!;
    private IHost _second = null!;

    public async Task InitializeAsync()
    {
        _redis = await app.ConnectionStringAsync("redis");
        _first = await ReplicaAsync();
        _second = await ReplicaAsync();
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
        var loaded = await LoadVersion5WhileVersion6IsWrittenAsync(_first);

        Assert.Equal(5, loaded.Version); // the caller gets what it read
        Assert.Equal(FromDatabase, await ReadAsync(_first));
        Assert.Equal(FromDatabase, await Eventually.GetAsync(() => ReadWhenAsync(_second, FromDatabase)));
    }

    [Fact]
    public async Task A_load_whose_version_Redis_does_not_confirm_in_time_is_not_kept()
    {
        // A replica whose version checks Redis answers too late (here: at once is already too late), as on a loaded
        // machine. Its load of version 5 is stored after the second replica wrote version 6, over it in Redis too,
        // and the check that would find 6 times out. Kept, version 5 would be read for the entry's 5 minutes.
        using var late = await ReplicaAsync(versionTimeout: TimeSpan.Zero);
        var loaded = await LoadVersion5WhileVersion6IsWrittenAsync(late);

        Assert.Equal(5, loaded.Version);
        await AssertNoReplicaReadsVersion5Async(late, _first, _second);
    }

    [Fact]
    public async Task A_write_whose_check_Redis_does_not_answer_in_time_is_removed()
    {
        // Version 5 was claimed before 6 and lands after it; the check that would find 6 times out.
        using var late = await ReplicaAsync(versionTimeout: TimeSpan.Zero);
        await Cache(_second).SetNewestAsync(Policy, [Version(6)]);
        await Cache(late).WriteClaimedAsync(Policy, [Version(5)], default);

        await AssertNoReplicaReadsVersion5Async(late, _first, _second);
    }

    [Fact]
    public async Task A_load_made_while_Redis_is_failing_is_removed_everywhere_once_Redis_answers()
    {
        // While Redis is failing, a load's version is not checked (each check would wait for the timeout). A Redis
        // that is slow rather than down still stores the loaded entry, here over a newer version.
        using var failing = await ReplicaAsync();
        failing.Services.GetRequiredService<CacheRepair>().ReportFailure();
        await LoadVersion5WhileVersion6IsWrittenAsync(failing);

        await AssertNoReplicaReadsVersion5Async(failing, _first, _second);
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

    [Fact]
    public async Task A_background_refresh_that_read_a_version_older_than_one_written_meanwhile_is_removed()
    {
        // FusionCache refreshes a memory copy in the background when it is read after 90 % of its life (7.2 s of 8),
        // from Redis when Redis holds a newer entry, else from the database: here Redis's copy expires with it.
        var policy = new CachePolicy("versioned-short", TimeSpan.FromSeconds(8), TimeSpan.FromSeconds(8));
        var key = policy.Key(Guid.NewGuid());
        var refreshStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var databaseRead = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Task<Stamped> ReadAsync(IHost replica, Func<Task<Stamped>> load) =>
            Cache(replica).GetOrLoadAsync<int, Stamped>(
                policy, key, 0, (_, _) => load(), versionOf: static value => value.Version).AsTask();

        Assert.Equal(5, (await ReadAsync(_first, () => Task.FromResult(new Stamped("v5", 5)))).Version);
        await Task.Delay(TimeSpan.FromSeconds(7.35));

        // The read is answered from memory; the refresh it starts reads version 5 and is held there while the second
        // replica commits version 6 and writes it. Then the refresh stores what it read.
        var read = ReadAsync(_first, async () =>
        {
            refreshStarted.SetResult();
            await databaseRead.Task;
            return new Stamped("v5", 5);
        });
        await refreshStarted.Task.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(5, (await read.WaitAsync(TimeSpan.FromSeconds(5))).Version); // from memory, not this load
        await Cache(_second).SetNewestAsync(policy, [new VersionedEntry<Stamped>(key, 6, new Stamped("v6", 6))]);
        var refreshStored = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _first.Services.GetRequiredService<IFusionCache>().Events.BackgroundFactorySuccess +=
            (_, _) => refreshStored.TrySetResult();
        databaseRead.SetResult();
        await refreshStored.Task.WaitAsync(TimeSpan.FromSeconds(5));

        // Neither replica keeps version 5, which would otherwise live 8 s more: the refresh's entry is removed once
        // stored, and the next read loads.
        foreach (var replica in new[] { _first, _second })
        {
            var current = await Eventually.GetAsync(
                async () => await ReadAsync(replica, () => Task.FromResult(FromDatabase)) is { Version: not 5 } value
                    ? value
                    : null,
                TimeSpan.FromSeconds(3));
            Assert.True(current is not null, "a replica still reads version 5 after version 6 was written");
        }
    }

    /// <summary>
    /// The replica's read misses and loads version 5 from the database; before its entry is stored, the second
    /// replica commits version 6 and writes it. Returns what the read got.
    /// </summary>
    private async Task<Stamped> LoadVersion5WhileVersion6IsWrittenAsync(IHost replica) =>
        await Cache(replica).GetOrLoadAsync<int, Stamped>(
            Policy,
            _key,
            0,
            async (_, token) =>
            {
                await Cache(_second).SetNewestAsync(Policy, [Version(6)], token);
                return Version(5).Value;
            },
            versionOf: static value => value.Version);

    /// <summary>Within 3 s (CacheRepair passes every second): no replica may keep an overtaken version.</summary>
    private async Task AssertNoReplicaReadsVersion5Async(params IHost[] replicas)
    {
        foreach (var replica in replicas)
        {
            var current = await Eventually.GetAsync(
                async () => await ReadAsync(replica) is { Version: not 5 } value ? value : null,
                TimeSpan.FromSeconds(3));
            Assert.True(current is not null, "a replica still reads version 5 after version 6 was written");
        }
    }

    /// <summary>
    /// A replica of the test's service, subscribed to the backplane before it returns (a removal made through it is
    /// answered only once its cache is built). <paramref name="versionTimeout"/>: how long its version checks wait.
    /// </summary>
    private async Task<IHost> ReplicaAsync(TimeSpan? versionTimeout = null)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Environment.ApplicationName = _service;
        builder.Configuration["ConnectionStrings:redis"] = _redis;
        if (versionTimeout is { } timeout)
        {
            builder.Configuration["Caching:VersionCheckTimeout"] = timeout.ToString();
        }

        builder.AddServiceCache();
        var replica = builder.Build();
        await replica.StartAsync(); // CacheRepair runs, as in a service
        await Cache(replica).RemoveAsync(Policy, Policy.Key("warm-up"));
        return replica;
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
