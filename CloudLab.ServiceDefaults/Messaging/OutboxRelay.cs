using System.Diagnostics.Metrics;
using CloudLab.ServiceDefaults.Data;
using CloudLab.ServiceDefaults.Telemetry;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace CloudLab.ServiceDefaults.Messaging;

/// <summary>
/// Publishes committed outbox rows to the Redis stream, oldest first. Rows are locked with SKIP LOCKED so replicas
/// share the work; a row is marked published only after Redis took it. A crash between the two publishes it again,
/// which consumers absorb (they are idempotent by event id): at-least-once, never lost.
/// </summary>
public sealed class OutboxRelay(
    Database database,
    IConnectionMultiplexer redis,
    OutboxOptions options,
    OutboxSignal signal,
    IMeterFactory meterFactory,
    ILogger<OutboxRelay> logger) : BackgroundService
{
    private const int BatchSize = 200;
    private const int MaxStreamLength = 1_000_000;
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan RetentionOfPublished = TimeSpan.FromDays(1);

    private readonly Counter<long> _published = meterFactory.Create(CloudLabMeters.Events)
        .CreateCounter<long>("events_published", description: "Events moved from the outbox to the Redis stream.");

    private DateTimeOffset _nextCleanup = DateTimeOffset.UtcNow;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var failing = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                while (await PublishBatchAsync(stoppingToken) == BatchSize)
                {
                }

                if (failing)
                {
                    logger.LogInformation("Outbox relay is publishing again");
                    failing = false;
                }

                await CleanUpAsync(stoppingToken);
                await signal.WaitAsync(PollInterval, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception)
                when (exception is RedisException or Npgsql.NpgsqlException or DatabaseTimeoutException)
            {
                if (!failing)
                {
                    logger.LogWarning(
                        exception, "Outbox relay cannot publish; events stay in the outbox and are retried");
                    failing = true;
                }

                await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken);
            }
        }
    }

    private async Task<int> PublishBatchAsync(CancellationToken cancellationToken) =>
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

            var stream = redis.GetDatabase();
            var adds = rows.Select(row => stream.StreamAddAsync(
                options.StreamName,
                [
                    new NameValueEntry("id", row.EventId.ToString()),
                    new NameValueEntry("type", row.EventType),
                    new NameValueEntry("payload", row.Payload),
                    new NameValueEntry(
                        "occurredAt", new DateTimeOffset(row.OccurredAt, TimeSpan.Zero).ToUnixTimeMilliseconds()),
                ],
                maxLength: MaxStreamLength,
                useApproximateMaxLength: true));
            await Task.WhenAll(adds);

            await session.ExecuteAsync(
                Query.Write("outbox_messages", "mark_published"),
                "UPDATE outbox_messages SET published_at = now() WHERE id = ANY(@Ids)",
                new { Ids = rows.Select(row => row.Id).ToArray() },
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
