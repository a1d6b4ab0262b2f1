using CloudLab.ServiceDefaults.Caching;
using Microsoft.Extensions.Caching.StackExchangeRedis;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OpenTelemetry.Trace;
using StackExchange.Redis;
using ZiggyCreatures.Caching.Fusion;
using ZiggyCreatures.Caching.Fusion.Backplane.StackExchangeRedis;
using ZiggyCreatures.Caching.Fusion.Serialization.SystemTextJson;
using HttpJsonOptions = Microsoft.AspNetCore.Http.Json.JsonOptions;

namespace Microsoft.Extensions.Hosting;

public static class CachingExtensions
{
    /// <summary>How long Redis's tracing keeps a profiled command before it becomes a span or is dropped.</summary>
    public static readonly TimeSpan RedisTraceFlushInterval = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// Redis (Aspire's client on the <c>redis</c> connection string) and the HybridCache every service reads through:
    /// FusionCache with memory as L1, Redis as L2 and the Redis backplane, so a write on one replica drops the
    /// memory copies on the others. Redis failures are absorbed (fail fast; <see cref="CacheRepair"/> puts things right
    /// after): reads fall back to memory and the database.
    /// </summary>
    public static IHostApplicationBuilder AddServiceCache(
        this IHostApplicationBuilder builder, string connectionName = "redis")
    {
        builder.AddRedisClient(connectionName, settings =>
        {
            settings.DisableHealthChecks = true;
            settings.DisableTracing = true; // traced below, with a short flush
        }, options =>
        {
            options.AbortOnConnectFail = false;
            options.BacklogPolicy = BacklogPolicy.FailFast; // with Redis down, fail at once rather than queue
            options.ConnectTimeout = 2000;
            options.AsyncTimeout = 2000;
            options.SyncTimeout = 2000;
            // Reconnect attempts back off to at most 1 s apart (the default grows to 10 s): after an outage of any
            // length, caches, relays and consumers are back within about a second of Redis.
            options.ReconnectRetryPolicy = new ExponentialRetry(250, 1000);
            // INFO (for the server's run id, see BrokerIdentity) is an admin command to the client library.
            options.AllowAdmin = true;
        });
        builder.Services.AddHealthChecks().AddCheck<RedisHealthCheck>("redis", tags: ["cache"]);
        // Redis's tracing profiles every command and keeps it until the next flush, also the commands of untraced work
        // (all but the sampled 1 % of requests): with Aspire's default of 10 s, each service held 10 s of commands with
        // their arguments. That was most of what survived a collection of the young generation: in the busiest
        // service of the write-path benchmark a gen0 GC promoted ~2.1 MB through older objects against ~0.1 MB from
        // the stacks, and took 16-29 ms (docs/performance/write-path/round11.md). Flushed every 100 ms, a command is
        // gone before most collections.
        builder.Services.AddOpenTelemetry().WithTracing(tracing => tracing.AddRedisInstrumentation(options =>
        {
            options.FlushInterval = RedisTraceFlushInterval;
            // Spans only for the commands of traced work. For the others OpenTelemetry still made an Activity
            // (unsampled ones are made for propagation) with its timing events, per command: 3 % of the bytes the
            // busiest cache writer allocated under the write-path benchmark, and 1 % became root spans of their own.
            options.Filter = command => command.ParentActivity is { Recorded: true };
        }));

        var l2Timeout = builder.Configuration.GetValue("Caching:DistributedTimeout", TimeSpan.FromMilliseconds(500));
        builder.Services.AddSingleton<CacheMetrics>();
        builder.Services.AddSingleton<ServiceCache>();
        var versionPrefix = builder.Environment.ApplicationName + ":version:";
        var versionTimeout = builder.Configuration.GetValue("Caching:VersionCheckTimeout", l2Timeout);
        builder.Services.AddSingleton(sp => new CacheVersions(
            sp.GetRequiredService<IConnectionMultiplexer>(),
            versionPrefix,
            versionTimeout,
            sp.GetRequiredService<CacheRepair>().ReportFailure));
        builder.Services.AddSingleton(new CacheMemoryLevel(
            builder.Configuration.GetValue("Caching:MemoryEntryLimit", CacheMemoryLevel.DefaultEntryLimit)));
        builder.Services.AddSingleton<CacheRepair>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<CacheRepair>());
        builder.Services.AddFusionCache()
            .WithOptions(options =>
            {
                // Services share one Redis: keys and backplane channels are per service.
                options.BackplaneChannelPrefix = builder.Environment.ApplicationName;
                options.CacheKeyPrefix = builder.Environment.ApplicationName + ":";
                // No circuit breaker: with FailFast a call to a dead Redis costs microseconds, and every failed write
                // must reach MeasuredDistributedCache so CacheRepair knows what to replay. CacheRepair replaces
                // auto-recovery.
                options.DistributedCacheCircuitBreakerDuration = TimeSpan.Zero;
                options.BackplaneCircuitBreakerDuration = TimeSpan.Zero;
                options.EnableAutoRecovery = false;
                // An outage is reported by the health check, cache_errors and CacheRepair, not by a warning per call.
                options.DistributedCacheErrorsLogLevel = LogLevel.Debug;
                options.BackplaneErrorsLogLevel = LogLevel.Debug;
            })
            .WithDefaultEntryOptions(entry =>
            {
                entry.Duration = TimeSpan.FromMinutes(5);
                // A memory copy still being read is refreshed in the background (from Redis, else the database:
                // FusionCache 2.9 checks L2 first) once 90 % of its life is gone, so its expiry never makes a request
                // wait. Without it every hot entry expired once a minute (the memory TTL), and a product read under
                // load then went to Redis and parsed JSON on the request path; the 1,000 products of the read
                // benchmark, loaded together, expired together.
                entry.EagerRefreshThreshold = 0.9f;
                entry.Size = 1; // the memory level's limit counts entries
                entry.DistributedCacheHardTimeout = l2Timeout;
                entry.AllowBackgroundDistributedCacheOperations = false;
                entry.AllowBackgroundBackplaneOperations = false;
                entry.ReThrowSerializationExceptions = false; // an unreadable Redis entry is a miss, not an error
            })
            .WithMemoryCache(sp => sp.GetRequiredService<CacheMemoryLevel>().Cache)
            .WithSerializer(sp => new FusionCacheSystemTextJsonSerializer(
                sp.GetRequiredService<IOptions<HttpJsonOptions>>().Value.SerializerOptions))
            .WithDistributedCache(sp => new MeasuredDistributedCache(
                new RedisCache(new RedisCacheOptions
                {
                    ConnectionMultiplexerFactory = () =>
                        Task.FromResult(sp.GetRequiredService<IConnectionMultiplexer>()),
                }),
                sp.GetRequiredService<CacheMetrics>(),
                sp.GetRequiredService<CacheRepair>()))
            .WithBackplane(sp => new RedisBackplane(new RedisBackplaneOptions
            {
                ConnectionMultiplexerFactory = () => Task.FromResult(sp.GetRequiredService<IConnectionMultiplexer>()),
            }))
            .AsHybridCache();
        return builder;
    }
}
