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
    private static readonly Query InsertMany = Query.Write("outbox_messages", "insert_many");

    public Task AddAsync<T>(
        DbSession session,
        string eventType,
        T payload,
        JsonTypeInfo<T> typeInfo,
        CancellationToken cancellationToken) =>
        AddAsync(session, OutboxEvent.Create(eventType, payload, typeInfo), cancellationToken);

    /// <summary>Many events in one statement: a batch's events cost one round trip.</summary>
    public async Task AddManyAsync(
        DbSession session, IReadOnlyCollection<OutboxEvent> events, CancellationToken cancellationToken)
    {
        if (events.Count == 0)
        {
            return;
        }

        await session.ExecuteAsync(
            InsertMany,
            """
            INSERT INTO outbox_messages (event_id, event_type, payload, occurred_at)
            SELECT id, type, payload::jsonb, now() FROM unnest(@Ids, @Types, @Payloads) AS e(id, type, payload)
            """,
            new
            {
                Ids = events.Select(_ => Guid.CreateVersion7()).ToArray(),
                Types = events.Select(outboxEvent => outboxEvent.Type).ToArray(),
                Payloads = events.Select(outboxEvent => outboxEvent.Payload).ToArray(),
            },
            cancellationToken);
        signal.Notify();
    }

    public async Task AddAsync(DbSession session, OutboxEvent outboxEvent, CancellationToken cancellationToken)
    {
        await session.ExecuteAsync(
            Insert,
            """
            INSERT INTO outbox_messages (event_id, event_type, payload, occurred_at)
            VALUES (@EventId, @Type, @Payload::jsonb, now())
            """,
            new { EventId = Guid.CreateVersion7(), outboxEvent.Type, outboxEvent.Payload },
            cancellationToken);
        signal.Notify();
    }
}
