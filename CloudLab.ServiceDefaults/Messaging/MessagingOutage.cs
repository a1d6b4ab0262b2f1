using CloudLab.ServiceDefaults.Caching;
using CloudLab.ServiceDefaults.Data;

namespace CloudLab.ServiceDefaults.Messaging;

/// <summary>
/// What the messaging loops (outbox relay, stream consumers) wait out and retry: Redis or PostgreSQL unavailable or
/// too slow, as opposed to a bug.
/// </summary>
internal static class MessagingOutage
{
    public static bool Is(Exception exception) =>
        RedisFailures.IsRedisFailure(exception) || exception is Npgsql.NpgsqlException or DatabaseTimeoutException;
}
