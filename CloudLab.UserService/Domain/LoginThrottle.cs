using System.Security.Cryptography;
using System.Text;
using CloudLab.ServiceDefaults.Caching;
using StackExchange.Redis;

namespace CloudLab.UserService.Domain;

/// <summary>
/// Per-account log-in limits with backoff, shared by every replica through Redis. After
/// <see cref="FreeFailures"/> wrong passwords in a row an account is locked for 5 s, then twice as long after each
/// further failure, up to 15 minutes; a success clears it. A locked account is refused before its password is checked,
/// so guessing costs no PBKDF2 run and cannot starve real log-ins. The per-address limit still applies on top. If Redis
/// cannot be reached, log-ins are not throttled per account (the address limit remains): a cache outage must not lock
/// every user out (a frozen Redis answers with a timeout after its 2 s budget).
/// </summary>
public sealed class LoginThrottle(
    IConnectionMultiplexer redis, IHostEnvironment environment, ILogger<LoginThrottle> logger)
{
    public const int FreeFailures = 5;
    private static readonly TimeSpan FirstLock = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan LongestLock = TimeSpan.FromMinutes(15);
    private static readonly TimeSpan FailuresForgottenAfter = TimeSpan.FromMinutes(15);

    /// <summary>How long the account stays locked, or null when it may try now.</summary>
    public async Task<TimeSpan?> LockedForAsync(string normalizedEmail)
    {
        try
        {
            var remaining = await redis.GetDatabase().KeyTimeToLiveAsync(LockKey(normalizedEmail));
            return remaining is { } left && left > TimeSpan.Zero ? left : null;
        }
        catch (Exception exception) when (RedisFailures.IsRedisFailure(exception))
        {
            logger.LogWarning(
                "Log-in throttle unavailable ({Reason}); only the per-address limit applies", exception.Message);
            return null;
        }
    }

    public async Task FailedAsync(string normalizedEmail)
    {
        try
        {
            var database = redis.GetDatabase();
            var failures = await database.StringIncrementAsync(FailuresKey(normalizedEmail));
            await database.KeyExpireAsync(FailuresKey(normalizedEmail), FailuresForgottenAfter);
            if (failures >= FreeFailures)
            {
                var doublings = Math.Min(failures - FreeFailures, 10);
                var lockFor = TimeSpan.FromTicks(Math.Min(FirstLock.Ticks << (int)doublings, LongestLock.Ticks));
                await database.StringSetAsync(LockKey(normalizedEmail), failures, lockFor);
            }
        }
        catch (Exception exception) when (RedisFailures.IsRedisFailure(exception))
        {
            logger.LogWarning("Log-in throttle unavailable ({Reason}); the failure was not counted", exception.Message);
        }
    }

    public async Task SucceededAsync(string normalizedEmail)
    {
        try
        {
            await redis.GetDatabase().KeyDeleteAsync(FailuresKey(normalizedEmail));
        }
        catch (Exception exception) when (RedisFailures.IsRedisFailure(exception))
        {
            logger.LogWarning("Log-in throttle unavailable ({Reason})", exception.Message);
        }
    }

    private RedisKey FailuresKey(string normalizedEmail) => Key("login-failures", normalizedEmail);

    private RedisKey LockKey(string normalizedEmail) => Key("login-lock", normalizedEmail);

    /// <summary>The address is hashed: Redis holds no e-mail addresses.</summary>
    private RedisKey Key(string kind, string normalizedEmail)
    {
        var account = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(normalizedEmail)));
        return $"{environment.ApplicationName}:{kind}:{account}";
    }
}
