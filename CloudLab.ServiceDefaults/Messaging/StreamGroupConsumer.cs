using CloudLab.ServiceDefaults.Telemetry;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace CloudLab.ServiceDefaults.Messaging;

/// <summary>
/// Reads a Redis stream as a consumer group: each entry is handled, then acknowledged. Entries a crashed replica left
/// unacknowledged are claimed after <see cref="IdleBeforeClaim"/> and handled here; this consumer's own unacknowledged
/// entries are read again first thing after a start or a failure. While Redis or PostgreSQL is unavailable the loop
/// pauses briefly (capped backoff) and wakes as soon as the Redis connection is restored: nothing is acknowledged that
/// was not handled, so handlers must be idempotent (the outbox relay delivers at least once).
/// </summary>
public abstract class StreamGroupConsumer(
    IConnectionMultiplexer redis, BrokerIdentity broker, string streamName, string groupName, ILogger logger)
    : BackgroundService
{
    private const int BatchSize = 100;
    private static readonly TimeSpan IdleBeforeClaim = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan ClaimInterval = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan EmptyPoll = TimeSpan.FromMilliseconds(200);

    private readonly string _consumer = $"{Environment.MachineName}-{Environment.ProcessId}";
    private readonly LogThrottle _unexpectedLog = new(TimeSpan.FromSeconds(10));
    private bool _groupReady;

    protected ILogger Logger => logger;

    /// <summary>
    /// Handles a batch of entries (one transaction for all of them is what keeps a consumer ahead of many producers).
    /// They are acknowledged together when this returns; an exception it lets through has them read again.
    /// </summary>
    protected abstract Task HandleBatchAsync(IReadOnlyList<StreamEntry> entries, CancellationToken cancellationToken);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var stream = redis.GetDatabase();
        var retry = TimeSpan.Zero;
        var readOwnPending = true;
        var nextClaim = DateTime.UtcNow;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await EnsureGroupAsync(stream);

                // "0" returns what was delivered to this consumer and never acknowledged; ">" what is new.
                var entries = await stream.StreamReadGroupAsync(
                    streamName, groupName, _consumer, readOwnPending ? "0-0" : ">", BatchSize);
                var pendingDrained = readOwnPending && entries.Length == 0;
                readOwnPending &= entries.Length > 0;
                if (DateTime.UtcNow >= nextClaim)
                {
                    var claimed = await stream.StreamAutoClaimAsync(
                        streamName, groupName, _consumer, (long)IdleBeforeClaim.TotalMilliseconds, "0-0", BatchSize);
                    entries = [.. entries.Concat(claimed.ClaimedEntries).DistinctBy(entry => entry.Id)];
                    nextClaim = DateTime.UtcNow + ClaimInterval;
                }

                if (entries.Length > 0)
                {
                    await HandleBatchAsync(entries, stoppingToken);
                    await stream.StreamAcknowledgeAsync(
                        streamName, groupName, entries.Select(entry => entry.Id).ToArray());
                }

                retry = TimeSpan.Zero;
                if (entries.Length == 0 && !pendingDrained)
                {
                    await Task.Delay(EmptyPoll, stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception) when (MessagingOutage.Is(exception))
            {
                // Redis restarted without the group: make it again.
                _groupReady &= !exception.Message.Contains("NOGROUP", StringComparison.Ordinal);
                if (retry == TimeSpan.Zero)
                {
                    logger.LogWarning(exception, "Consumer of {Stream} paused: Redis or PostgreSQL unavailable; "
                        + "unacknowledged entries are read again", streamName);
                }

                readOwnPending = true;
                retry = CappedBackoff.Next(retry);
                await Task.WhenAny(Task.Delay(retry, stoppingToken), broker.Restored);
            }
            catch (Exception exception) when (!stoppingToken.IsCancellationRequested)
            {
                // Not an outage: a handler's bug or an error no rule above knows. The entries stay unacknowledged
                // and are read again after a pause; the loop goes on, because a faulted consumer would stop the
                // host and the service's API with it (BackgroundServiceExceptionBehavior.StopHost).
                if (_unexpectedLog.ShouldLog(out var skipped))
                {
                    logger.LogError(exception, "Consumer of {Stream} failed a batch; it is read again "
                        + "({Skipped} more failures since the last logged)", streamName, skipped);
                }

                readOwnPending = true;
                retry = CappedBackoff.Max;
                await Task.Delay(retry, stoppingToken);
            }
        }
    }

    private async Task EnsureGroupAsync(IDatabase stream)
    {
        if (_groupReady)
        {
            return;
        }

        try
        {
            await stream.StreamCreateConsumerGroupAsync(
                streamName, groupName, StreamPosition.Beginning, createStream: true);
        }
        catch (RedisServerException exception) when (exception.Message.Contains("BUSYGROUP", StringComparison.Ordinal))
        {
            // The group exists: another replica or an earlier run made it.
        }

        _groupReady = true;
    }
}
