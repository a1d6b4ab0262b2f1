using System.Diagnostics.Metrics;
using CloudLab.ServiceDefaults.Data;
using CloudLab.ServiceDefaults.Telemetry;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace CloudLab.ServiceDefaults.Messaging;

/// <summary>
/// Publishes committed outbox rows to the Redis stream, oldest first. Rows are locked with SKIP LOCKED so replicas
/// share the work; a row is marked published, with the run id of the server that took it, only after Redis took it.
/// A crash between the two publishes it again, which consumers absorb (they are idempotent by event id).
/// Redis syncs its append-only file once a second, so a Redis crash can lose what it acknowledged last: when the run id
/// changes, the rows the previous server took in its last <see cref="UnsyncedWindow"/> are queued again. Either way
/// at-least-once, never lost.
/// </summary>
public sealed class OutboxRelay(
    Database database,
    IConnectionMultiplexer redis,
    OutboxOptions options,
    OutboxSignal signal,
    BrokerIdentity broker,
    IMeterFactory meterFactory,
    ILogger<OutboxRelay> logger) : BackgroundService
{
    private const int BatchSize = 200;
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan RetentionOfPublished = TimeSpan.FromDays(1);

    // Redis's "everysec" policy loses at most about 2 s (it blocks writers when a sync is 2 s late); 10 s is margin.
    // A copy that did survive is one duplicate read per event for the consumers, once per Redis restart.
    private static readonly TimeSpan UnsyncedWindow = TimeSpan.FromSeconds(10);

    private readonly Counter<long> _published = meterFactory.Create(CloudLabMeters.Events)
        .CreateCounter<long>("events_published", description: "Events moved from the outbox to the Redis stream.");

    private readonly Counter<long> _requeued = meterFactory.Create(CloudLabMeters.Events)
        .CreateCounter<long>(
            "events_requeued", description: "Published events queued again because the Redis server restarted.");

    private readonly LogThrottle _unexpectedLog = new(TimeSpan.FromSeconds(10));
    private DateTimeOffset _nextCleanup = DateTimeOffset.UtcNow;
    private string? _publishingTo;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var retry = TimeSpan.Zero;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var runId = await broker.RunIdAsync();
                if (runId != _publishingTo)
                {
                    await RequeueUnsyncedAsync(runId, stoppingToken);
                    _publishingTo = runId;
                }

                while (await PublishBatchAsync(runId, stoppingToken) == BatchSize)
                {
                }

                if (retry > TimeSpan.Zero)
                {
                    logger.LogInformation("Outbox relay is publishing again");
                    retry = TimeSpan.Zero;
                }

                await CleanUpAsync(stoppingToken);
                await signal.WaitAsync(PollInterval, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception) when (MessagingOutage.Is(exception))
            {
                if (retry == TimeSpan.Zero)
                {
                    logger.LogWarning(
                        exception, "Outbox relay cannot publish; events stay in the outbox and are retried");
                }

                // Backoff capped at 1 s, and a restored connection wakes the relay at once: however long Redis was
                // away, the outbox drains as soon as it is back.
                retry = CappedBackoff.Next(retry);
                await Task.WhenAny(Task.Delay(retry, stoppingToken), broker.Restored);
            }
            catch (Exception exception) when (!stoppingToken.IsCancellationRequested)
            {
                // Not an outage the rule above knows: logged, and tried again after a pause. A faulted relay would
                // stop the host and the service's API with it (BackgroundServiceExceptionBehavior.StopHost).
                if (_unexpectedLog.ShouldLog(out var skipped))
                {
                    logger.LogError(exception, "Outbox relay failed; events stay in the outbox and are retried "
                        + "({Skipped} more failures since the last logged)", skipped);
                }

                retry = CappedBackoff.Max;
                await Task.Delay(retry, stoppingToken);
            }
        }
    }

    private async Task RequeueUnsyncedAsync(string runId, CancellationToken cancellationToken)
    {
        var requeued = await database.ExecuteAsync(
            Query.Write("outbox_messages", "requeue_unsynced"),
            """
            UPDATE outbox_messages SET published_at = NULL, published_to = NULL
            WHERE published_at IS NOT NULL AND published_to IS DISTINCT FROM @RunId
              AND published_at >= (
                  SELECT published_at FROM outbox_messages
                  WHERE published_at IS NOT NULL AND published_to IS DISTINCT FROM @RunId
                  ORDER BY published_at DESC LIMIT 1) - @UnsyncedWindow
            """,
            new { RunId = runId, UnsyncedWindow },
            cancellationToken);
        if (requeued > 0)
        {
            _requeued.Add(requeued);
            logger.LogWarning(
                "Redis is a new server (run id {RunId}): {Count} events it may not have synced are published again",
                runId, requeued);
        }
    }

    private async Task<int> PublishBatchAsync(string runId, CancellationToken cancellationToken) =>
        await database.InTransactionAsync(async session =>
        {
            var rows = await session.QueryAsync<OutboxRow>(
                Query.Write("outbox_messages", "claim_batch"),
                """
                SELECT id AS Id, event_id AS EventId, event_type AS EventType, payload::text AS Payload,
                       occurred_at AS OccurredAt
                FROM outbox_messages WHERE published_at IS NULL ORDER BY id LIMIT @BatchSize FOR UPDATE SKIP LOCKED
                """,
                new { BatchSize },
                cancellationToken);
            if (rows.Count == 0)
            {
                return 0;
            }

            // No MAXLEN: the stream is trimmed by StreamRetention, and only below what every consumer group has read.
            var stream = redis.GetDatabase();
            var adds = rows.Select(row => stream.StreamAddAsync(
                options.StreamName,
                [
                    new NameValueEntry("id", row.EventId.ToString()),
                    new NameValueEntry("type", row.EventType),
                    new NameValueEntry("payload", row.Payload),
                    new NameValueEntry(
                        "occurredAt", new DateTimeOffset(row.OccurredAt, TimeSpan.Zero).ToUnixTimeMilliseconds()),
                ]));
            await Task.WhenAll(adds);

            await session.ExecuteAsync(
                Query.Write("outbox_messages", "mark_published"),
                $"""
                UPDATE outbox_messages SET published_at = now(), published_to = @RunId
                WHERE id = ANY({CachedPlanArray.Of("@Ids", "bigint[]")})
                """,
                new { RunId = runId, Ids = rows.Select(row => row.Id).ToArray() },
                cancellationToken);
            _published.Add(rows.Count);
            return rows.Count;
        }, cancellationToken: cancellationToken);

    private async Task CleanUpAsync(CancellationToken cancellationToken)
    {
        if (DateTimeOffset.UtcNow < _nextCleanup)
        {
            return;
        }

        _nextCleanup = DateTimeOffset.UtcNow.AddHours(1);
        await database.ExecuteAsync(
            Query.Write("outbox_messages", "delete_published"),
            "DELETE FROM outbox_messages WHERE published_at < now() - @Retention",
            new { Retention = RetentionOfPublished },
            cancellationToken);
    }

    private sealed record OutboxRow(long Id, Guid EventId, string EventType, string Payload, DateTime OccurredAt);
}
