using CloudLab.ServiceDefaults.Caching;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace CloudLab.ServiceDefaults.Messaging;

/// <summary>
/// Trims the event stream by age, and never past what a consumer group has yet to read or acknowledge: an analytics
/// outage of any length loses no event (trimming by length, as before, dropped the oldest unread ones). The stream
/// holds no TTL, so Redis cannot evict it; without a consumer group it is kept whole rather than lost.
/// Every producing service runs this; the trims are idempotent.
/// </summary>
public sealed class StreamRetention(
    IConnectionMultiplexer redis, OutboxOptions options, TimeProvider time, ILogger<StreamRetention> logger)
    : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(30);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await TrimAsync(redis.GetDatabase());
            }
            catch (Exception exception) when (RedisFailures.IsRedisFailure(exception))
            {
                logger.LogDebug(exception, "Trimming {Stream} skipped: Redis unavailable", options.StreamName);
            }
            catch (Exception exception) when (!stoppingToken.IsCancellationRequested)
            {
                // Trimming is housekeeping: whatever goes wrong here must not stop the service (a background
                // service's exception stops the host). The stream only grows until the next trim succeeds.
                logger.LogWarning(
                    exception, "Trimming {Stream} failed; retried in {Interval}", options.StreamName, Interval);
            }
        }
    }

    /// <summary>Trims entries older than the retention that every group has consumed; returns how many went.</summary>
    public async Task<long> TrimAsync(IDatabase stream)
    {
        if (!await stream.KeyExistsAsync(options.StreamName))
        {
            return 0;
        }

        var groups = await stream.StreamGroupInfoAsync(options.StreamName);
        if (groups.Length == 0)
        {
            return 0;
        }

        var cut = StreamId.FromTime(time.GetUtcNow() - options.StreamRetention);
        foreach (var group in groups)
        {
            cut = StreamId.Min(cut, await FirstUnconsumedAsync(stream, group));
        }

        return await stream.StreamTrimByMinIdAsync(options.StreamName, cut.ToString());
    }

    private async Task<StreamId> FirstUnconsumedAsync(IDatabase stream, StreamGroupInfo group)
    {
        if (group.PendingMessageCount > 0)
        {
            var pending = await stream.StreamPendingAsync(options.StreamName, group.Name);
            return StreamId.ParseOrZero(pending.LowestPendingMessageId.ToString());
        }

        // Everything up to the last delivered entry is acknowledged; MINID keeps that entry itself, which is harmless.
        return StreamId.ParseOrZero(group.LastDeliveredId);
    }
}
