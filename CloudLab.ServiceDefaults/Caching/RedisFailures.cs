using StackExchange.Redis;

namespace CloudLab.ServiceDefaults.Caching;

/// <summary>What a call to Redis throws when Redis fails (down, restarting, too slow), as opposed to a bug.</summary>
public static class RedisFailures
{
    /// <summary>
    /// A <see cref="RedisException"/> or a timeout, and also the <see cref="InvalidOperationException"/> that
    /// StackExchange.Redis throws when the connection breaks during a write ("Writing is not allowed after writer was
    /// completed"): killed with SIGKILL in a chaos run (2026-12-01 17:40), Redis made four cached reads answer 500
    /// that way, where the cache should have gone on without it. And a <see cref="TaskCanceledException"/> no token
    /// asked for: StackExchange.Redis cancels the commands outstanding on a connection it drops as dead ("no reads in
    /// 9 seconds"); frozen for 10 s in a chaos run (2026-12-02 04:05), Redis stopped a service's replica that way.
    /// </summary>
    public static bool IsRedisFailure(Exception exception) =>
        exception is RedisException or TimeoutException or InvalidOperationException
            or TaskCanceledException { CancellationToken.IsCancellationRequested: false };
}
