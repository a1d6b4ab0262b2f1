using System.Diagnostics.Metrics;
using System.Text.Json;
using CloudLab.ServiceDefaults.Data;
using CloudLab.ServiceDefaults.Events;
using CloudLab.ServiceDefaults.Telemetry;
using StackExchange.Redis;

namespace CloudLab.AnalyticsService.Events;

/// <summary>
/// Reads the event stream as the <c>analytics</c> consumer group: each entry is applied (idempotently) and then
/// acknowledged. Entries a crashed replica left unacknowledged are claimed after a while and applied here.
/// Unreadable entries go to dead_letters and are acknowledged, so one bad event cannot stop the stream.
/// </summary>
public sealed class EventStreamConsumer(
    IConnectionMultiplexer redis,
    EventProjector projector,
    Database database,
    IMeterFactory meterFactory,
    ILogger<EventStreamConsumer> logger) : BackgroundService
{
    public const string Group = "analytics";
    private const int BatchSize = 100;
    private static readonly TimeSpan IdleBeforeClaim = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan EmptyPoll = TimeSpan.FromMilliseconds(200);

    private readonly string _consumer = $"{Environment.MachineName}-{Environment.ProcessId}";
    private readonly Counter<long> _consumed = meterFactory.Create(CloudLabMeters.Events)
        .CreateCounter<long>("events_consumed", description: "Stream entries handled by the analytics consumer, by result (applied, duplicate, dead_letter).");

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var stream = redis.GetDatabase();
        var failing = false;
        var nextClaim = DateTime.UtcNow;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await EnsureGroupAsync(stream);
                var entries = await stream.StreamReadGroupAsync(EventStreams.Events, Group, _consumer, ">", BatchSize);
                if (DateTime.UtcNow >= nextClaim)
                {
                    var claimed = await stream.StreamAutoClaimAsync(EventStreams.Events, Group, _consumer, (long)IdleBeforeClaim.TotalMilliseconds, "0-0", BatchSize);
                    entries = [.. entries, .. claimed.ClaimedEntries];
                    nextClaim = DateTime.UtcNow.AddSeconds(10);
                }

                foreach (var entry in entries)
                {
                    await HandleAsync(stream, entry, stoppingToken);
                }

                failing = false;
                if (entries.Length == 0)
                {
                    await Task.Delay(EmptyPoll, stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception) when (exception is RedisException or Npgsql.NpgsqlException or DatabaseTimeoutException)
            {
                _groupReady &= !exception.Message.Contains("NOGROUP", StringComparison.Ordinal); // Redis restarted without the group
                if (!failing)
                {
                    logger.LogWarning(exception, "Event consumer paused: Redis or PostgreSQL unavailable; unacknowledged events are read again");
                    failing = true;
                }

                await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken);
            }
        }
    }

    private async Task HandleAsync(IDatabase stream, StreamEntry entry, CancellationToken cancellationToken)
    {
        var type = (string?)entry["type"];
        var payload = (string?)entry["payload"];
        string result;
        try
        {
            var id = Guid.Parse((string?)entry["id"] ?? throw new FormatException("The entry has no event id."));
            result = await projector.ApplyAsync(id, type ?? "unknown", payload ?? "{}", cancellationToken) ? "applied" : "duplicate";
        }
        catch (Exception exception) when (exception is FormatException or JsonException)
        {
            result = "dead_letter";
            logger.LogError(exception, "Event {StreamId} ({EventType}) cannot be applied; moved to dead_letters", entry.Id, type);
            await database.ExecuteAsync(
                Query.Write("dead_letters", "insert"),
                "INSERT INTO dead_letters (stream_id, event_type, payload, error) VALUES (@id, @type, @payload, @error) ON CONFLICT DO NOTHING",
                new { id = entry.Id.ToString(), type, payload, error = exception.Message }, cancellationToken);
        }

        await stream.StreamAcknowledgeAsync(EventStreams.Events, Group, entry.Id);
        _consumed.Add(1, new KeyValuePair<string, object?>("result", result));
    }

    private bool _groupReady;

    private async Task EnsureGroupAsync(IDatabase stream)
    {
        if (_groupReady)
        {
            return;
        }

        try
        {
            await stream.StreamCreateConsumerGroupAsync(EventStreams.Events, Group, StreamPosition.Beginning, createStream: true);
        }
        catch (RedisServerException exception) when (exception.Message.Contains("BUSYGROUP", StringComparison.Ordinal))
        {
            // The group exists: another replica or an earlier run made it.
        }

        _groupReady = true;
    }
}
