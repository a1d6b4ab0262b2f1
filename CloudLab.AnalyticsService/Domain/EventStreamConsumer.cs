using System.Diagnostics.Metrics;
using System.Text.Json;
using CloudLab.AnalyticsService.Data;
using CloudLab.Contracts;
using CloudLab.ServiceDefaults.Messaging;
using CloudLab.ServiceDefaults.Telemetry;
using StackExchange.Redis;

namespace CloudLab.AnalyticsService.Domain;

/// <summary>
/// Reads the event stream as the <c>analytics</c> consumer group and applies each event to the aggregates (once: the
/// projector records event ids). Unreadable entries go to dead_letters and are acknowledged, so one bad event cannot
/// stop the stream.
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

    protected override async Task HandleAsync(StreamEntry entry, CancellationToken cancellationToken)
    {
        var type = (string?)entry["type"];
        var payload = (string?)entry["payload"];
        string result;
        try
        {
            var id = Guid.Parse((string?)entry["id"] ?? throw new FormatException("The entry has no event id."));
            var applied = await projector.ApplyAsync(id, type ?? "unknown", payload ?? "{}", cancellationToken);
            result = applied ? "applied" : "duplicate";
        }
        catch (Exception exception) when (exception is FormatException or JsonException)
        {
            result = "dead_letter";
            Logger.LogError(exception, "Event {StreamId} ({EventType}) cannot be applied; moved to dead_letters", entry.Id, type);
            await projector.DeadLetterAsync(entry.Id.ToString(), type, payload, exception.Message, cancellationToken);
        }

        _consumed.Add(1, new KeyValuePair<string, object?>("result", result));
    }
}
