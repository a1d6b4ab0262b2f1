using System.Reflection;
using CloudLab.ServiceDefaults.Caching;
using StackExchange.Redis;

namespace CloudLab.Tests.Unit;

/// <summary>
/// A Redis connection that breaks during a write makes StackExchange.Redis throw an
/// <see cref="InvalidOperationException"/>, not a <see cref="RedisException"/>: the cache must treat it as Redis
/// failing (go on without Redis), not let it out as a 500.
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

    public static TheoryData<Exception> Failures() => new()
    {
        BrokenWriter,
        new RedisConnectionException(ConnectionFailureType.SocketClosed, "closed"),
        new RedisTimeoutException("timed out", CommandStatus.Sent),
        new TimeoutException(),
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
