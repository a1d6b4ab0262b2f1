using Microsoft.Extensions.Diagnostics.HealthChecks;
using StackExchange.Redis;

namespace CloudLab.ServiceDefaults.Caching;

/// <summary>
/// Redis is the cache and the event transport, not the source of truth: without it a service still serves, so it is
/// Degraded, never Unhealthy.
/// </summary>
internal sealed class RedisHealthCheck(IConnectionMultiplexer redis) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(
        HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var latency = await redis.GetDatabase().PingAsync().WaitAsync(TimeSpan.FromSeconds(2), cancellationToken);
            return HealthCheckResult.Healthy($"Redis answered in {latency.TotalMilliseconds:F1} ms.");
        }
        catch (Exception exception) when (RedisFailures.IsRedisFailure(exception))
        {
            return HealthCheckResult.Degraded("Redis is unreachable: serving from memory and the database.", exception);
        }
    }
}
