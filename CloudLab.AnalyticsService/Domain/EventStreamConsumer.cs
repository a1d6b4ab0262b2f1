using System.Diagnostics.Metrics;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using CloudLab.AnalyticsService.Data;
using CloudLab.Contracts;
using CloudLab.ServiceDefaults.Messaging;
using CloudLab.ServiceDefaults.Telemetry;
using Npgsql;
using StackExchange.Redis;

namespace CloudLab.AnalyticsService.Domain;

/// <summary>
/// Reads the event stream as the <c>analytics</c> consumer group and applies each batch of entries to the aggregates in
/// one transaction (once: the projector records event ids). Unreadable entries go to dead_letters and are
/// acknowledged, so one bad event cannot stop the stream.
/// </summary>
public sealed class EventStreamConsumer(
    IConnectionMultiplexer redis,
    BrokerIdentity broker,
    EventProjector projector,
    IMeterFactory meterFactory,
    ILogger<EventStreamConsumer> logger) : StreamGroupConsumer(redis, broker, EventStreams.Events, Group, logger)
{
    public const string Group = "analytics";

    private readonly Counter<long> _consumed = meterFactory.Create(CloudLabMeters.Events).CreateCounter<long>(
        "events_consumed",
        description: "Stream entries handled by the analytics consumer, by result (applied, duplicate, dead_letter).");

    protected override async Task HandleBatchAsync(
        IReadOnlyList<StreamEntry> entries, CancellationToken cancellationToken)
    {
        var events = new List<ReadEvent>(entries.Count);
        foreach (var entry in entries)
        {
            var type = (string?)entry["type"];
            var payload = (string?)entry["payload"];
            try
            {
                var id = Guid.Parse((string?)entry["id"] ?? throw new FormatException("The entry has no event id."));
                var contract = Read(type, payload ?? "{}");
                events.Add(new ReadEvent(entry.Id.ToString(), id, type ?? "unknown", payload, contract));
            }
            catch (Exception exception) when (exception is FormatException or JsonException)
            {
                Logger.LogError(
                    exception,
                    "Event {StreamId} ({EventType}) cannot be applied; moved to dead_letters",
                    entry.Id,
                    type);
                await projector.DeadLetterAsync(
                    entry.Id.ToString(), type, payload, exception.Message, cancellationToken);
                Count("dead_letter", 1);
            }
        }

        if (events.Count == 0)
        {
            return;
        }

        try
        {
            await ApplyAsync(events, cancellationToken);
        }
        catch (PostgresException exception) when (IsPermanent(exception))
        {
            // An event the database refuses whatever the retries (a value out of range, a broken constraint) would
            // stop the stream for good if the batch were retried: apply one by one, and dead-letter what still fails.
            Logger.LogWarning(
                exception, "A batch of {Count} events was refused; applying them one by one", events.Count);
            foreach (var read in events)
            {
                try
                {
                    await ApplyAsync([read], cancellationToken);
                }
                catch (PostgresException refused) when (IsPermanent(refused))
                {
                    Logger.LogError(
                        refused,
                        "Event {StreamId} ({EventType}) was refused; moved to dead_letters",
                        read.StreamId,
                        read.Type);
                    await projector.DeadLetterAsync(
                        read.StreamId, read.Type, read.RawPayload, refused.Message, cancellationToken);
                    Count("dead_letter", 1);
                }
            }
        }
    }

    /// <summary>Data exceptions (class 22) and constraint violations (class 23) fail the same way every time.</summary>
    private static bool IsPermanent(PostgresException exception) =>
        exception.SqlState.StartsWith("22", StringComparison.Ordinal)
        || exception.SqlState.StartsWith("23", StringComparison.Ordinal);

    private async Task ApplyAsync(IReadOnlyList<ReadEvent> events, CancellationToken cancellationToken)
    {
        var applied = await projector.ApplyAsync(
            events.Select(read => (read.Id, read.Type)).ToList(),
            fresh =>
            {
                var tally = new SalesTally();
                foreach (var read in events.DistinctBy(read => read.Id).Where(read => fresh.Contains(read.Id)))
                {
                    if (read.Contract is { } contract)
                    {
                        tally.Add(contract);
                    }
                }

                return tally;
            },
            cancellationToken);
        Count("applied", applied);
        Count("duplicate", events.Count - applied);
    }

    /// <summary>
    /// The event's contract, or null for a type that adds nothing up (PaymentCaptured, types to come).
    /// </summary>
    private static object? Read(string? type, string payload) => type switch
    {
        EventTypes.OrderPlaced => Deserialize(payload, EventJsonContext.Default.OrderPlaced),
        EventTypes.OrderCancelled => Deserialize(payload, EventJsonContext.Default.OrderCancelled),
        EventTypes.PaymentRefunded => Deserialize(payload, EventJsonContext.Default.PaymentRefunded),
        EventTypes.UserRegistered => Deserialize(payload, EventJsonContext.Default.UserRegistered),
        _ => null,
    };

    private static T Deserialize<T>(string payload, JsonTypeInfo<T> type) =>
        JsonSerializer.Deserialize(payload, type) ?? throw new JsonException("The event payload is empty.");

    private void Count(string result, long count)
    {
        if (count > 0)
        {
            _consumed.Add(count, new KeyValuePair<string, object?>("result", result));
        }
    }

    private sealed record ReadEvent(string StreamId, Guid Id, string Type, string? RawPayload, object? Contract);
}
