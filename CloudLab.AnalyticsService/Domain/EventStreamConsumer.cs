using System.Diagnostics.Metrics;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using CloudLab.AnalyticsService.Data;
using CloudLab.Contracts;
using CloudLab.ServiceDefaults.Messaging;
using CloudLab.ServiceDefaults.Telemetry;
using StackExchange.Redis;

namespace CloudLab.AnalyticsService.Domain;

/// <summary>
/// Reads the event stream as the <c>analytics</c> consumer group and applies each batch of entries to the aggregates in
/// one transaction (once: the projector records event ids). Unreadable entries go to dead_letters and are
/// acknowledged, so one bad event cannot stop the stream.
/// </summary>
public sealed class EventStreamConsumer(
    IConnectionMultiplexer redis,
    EventProjector projector,
    IMeterFactory meterFactory,
    ILogger<EventStreamConsumer> logger) : StreamGroupConsumer(redis, EventStreams.Events, Group, logger)
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
                events.Add(new ReadEvent(id, type ?? "unknown", Read(type, payload ?? "{}")));
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

        var applied = await projector.ApplyAsync(
            events.Select(read => (read.Id, read.Type)).ToList(),
            fresh =>
            {
                var tally = new SalesTally();
                foreach (var read in events.DistinctBy(read => read.Id).Where(read => fresh.Contains(read.Id)))
                {
                    if (read.Payload is { } payload)
                    {
                        tally.Add(payload);
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

    private sealed record ReadEvent(Guid Id, string Type, object? Payload);
}
