using System.Text.Json.Serialization.Metadata;
using CloudLab.ServiceDefaults.Data;

namespace CloudLab.ServiceDefaults.Messaging;

/// <summary>
/// Writes an event into the service's outbox inside the caller's transaction, so the event exists exactly when the
/// change it describes was committed. <see cref="OutboxRelay"/> publishes it afterwards, retrying while Redis is down.
/// </summary>
public sealed class OutboxWriter(OutboxSignal signal)
{
    private static readonly Query Insert = Query.Write("outbox_messages", "insert");

    public Task AddAsync<T>(DbSession session, string eventType, T payload, JsonTypeInfo<T> typeInfo, CancellationToken cancellationToken) =>
        AddAsync(session, OutboxEvent.Create(eventType, payload, typeInfo), cancellationToken);

    public async Task AddAsync(DbSession session, OutboxEvent outboxEvent, CancellationToken cancellationToken)
    {
        await session.ExecuteAsync(
            Insert,
            "INSERT INTO outbox_messages (event_id, event_type, payload, occurred_at) VALUES (@EventId, @Type, @Payload::jsonb, now())",
            new { EventId = Guid.CreateVersion7(), outboxEvent.Type, outboxEvent.Payload },
            cancellationToken);
        signal.Notify();
    }
}
