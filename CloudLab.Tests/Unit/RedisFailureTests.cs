using System.Reflection;
using CloudLab.ServiceDefaults.Caching;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;

namespace CloudLab.Tests.Unit;

/// <summary>
/// A Redis connection that breaks during a write makes StackExchange.Redis throw an
/// <see cref="InvalidOperationException"/>, not a <see cref="RedisException"/>, and one it drops as dead cancels the
/// commands outstanding on it: the cache must treat both as Redis failing (go on without Redis), not let them out as a
/// 500 or stop the service.
/// </summary>
public sealed class RedisFailureTests
{
    private static readonly InvalidOperationException BrokenWriter =
        new("Writing is not allowed after writer was completed.");

    [Fact]
    public async Task Version_checks_report_nothing_when_the_connection_breaks_during_a_write()
    {
        var versions = new CacheVersions(FailingRedis.Create(BrokenWriter), "test:version:", TimeSpan.FromSeconds(1));

        Assert.Null(await versions.NewerClaimedAsync("product:1", 3));
        Assert.Null(await versions.SupersededAsync([("product:1", 3)]));
        var policy = new CachePolicy("product", TimeSpan.FromMinutes(1), TimeSpan.FromSeconds(10));
        Assert.Null(await versions.ClaimAsync(policy, [("product:1", 3)]));
    }

    [Theory]
    [MemberData(nameof(Failures))]
    public void What_redis_throws_when_it_fails_is_a_redis_failure(Exception exception) =>
        Assert.True(RedisFailures.IsRedisFailure(exception));

    [Fact]
    public void A_bug_elsewhere_is_not_a_redis_failure() =>
        Assert.False(RedisFailures.IsRedisFailure(new ArgumentException("a bug")));

    [Fact]
    public void A_cancellation_its_caller_asked_for_is_not_a_redis_failure() =>
        Assert.False(RedisFailures.IsRedisFailure(
            new TaskCanceledException("shutting down", null, new CancellationToken(canceled: true))));

    /// <summary>
    /// A repair pass that fails, whether Redis cancels its commands or anything else goes wrong, leaves the service
    /// running and the pending removals for the next pass: a background service's exception stops its host.
    /// </summary>
    [Theory]
    [MemberData(nameof(PassFailures))]
    public async Task A_failing_cache_repair_pass_does_not_stop_the_service(Exception failure)
    {
        using var memory = new CacheMemoryLevel(10);
        using var services = new ServiceCollection().BuildServiceProvider();
        using var repair = new CacheRepair(
            services, FailingRedis.Create(failure), memory, NullLogger<CacheRepair>.Instance);
        repair.RemoveOnceBack("product:1");

        await repair.StartAsync(CancellationToken.None);
        await Task.Delay(TimeSpan.FromSeconds(2.5)); // two passes (one a second)

        Assert.False(repair.ExecuteTask!.IsCompleted, repair.ExecuteTask.Exception?.ToString());
        Assert.Equal(1, repair.Pending);
        await repair.StopAsync(CancellationToken.None);
    }

    [Fact]
    public void Redis_that_answers_again_is_no_longer_failing_though_writes_are_still_replayed_for_a_while()
    {
        using var memory = new CacheMemoryLevel(10);
        using var services = new ServiceCollection().BuildServiceProvider();
        using var repair = new CacheRepair(
            services, FailingRedis.Create(new TimeoutException()), memory, NullLogger<CacheRepair>.Instance);

        repair.ReportFailure();
        Assert.True(repair.IsFailingNow);
        repair.ReportSuccess();

        Assert.False(repair.IsFailingNow); // the cache waits for Redis again, so the replicas hear of each write
        Assert.True(repair.IsImpaired); // and writes made in the next seconds are still replayed
    }

    public static TheoryData<Exception> PassFailures() => new()
    {
        new TaskCanceledException(), // what StackExchange.Redis throws for a command on a connection dropped as dead
        new ArgumentException("a bug"),
    };

    public static TheoryData<Exception> Failures() => new()
    {
        BrokenWriter,
        new RedisConnectionException(ConnectionFailureType.SocketClosed, "closed"),
        new RedisTimeoutException("timed out", CommandStatus.Sent),
        new TimeoutException(),
        new TaskCanceledException(),
    };

    /// <summary>A multiplexer whose databases throw <see cref="Failure"/> from every call.</summary>
    public class FailingRedis : DispatchProxy
    {
        private Exception Failure { get; set; } = null!;

        public static IConnectionMultiplexer Create(Exception failure)
        {
            var redis = DispatchProxy.Create<IConnectionMultiplexer, FailingRedis>();
            ((FailingRedis)(object)redis).Failure = failure;
            return redis;
        }

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
        {
            // Connected as far as the client knows, as a frozen Redis is until its socket is dropped as dead.
            if (targetMethod?.Name == $"get_{nameof(IConnectionMultiplexer.IsConnected)}")
            {
                return true;
            }

            if (targetMethod?.Name.StartsWith("add_", StringComparison.Ordinal) == true
                || targetMethod?.Name.StartsWith("remove_", StringComparison.Ordinal) == true)
            {
                return null; // events
            }

            if (targetMethod?.Name == nameof(IConnectionMultiplexer.GetDatabase))
            {
                var database = DispatchProxy.Create<IDatabase, FailingRedis>();
                ((FailingRedis)(object)database).Failure = Failure;
                return database;
            }

            throw Failure;
        }
    }
}
