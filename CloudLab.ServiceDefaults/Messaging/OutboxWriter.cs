using System.Text.Json.Serialization.Metadata;
using CloudLab.ServiceDefaults.Data;
using Dapper;

namespace CloudLab.ServiceDefaults.Messaging;

/// <summary>
/// Writes an event into the service's outbox inside the caller's transaction, so the event exists exactly when the
/// change it describes was committed. <see cref="OutboxRelay"/> publishes it afterwards, retrying while Redis is down.
/// </summary>
public sealed class OutboxWriter(OutboxSignal signal)
{
    private static readonly Query Insert = Query.Write("outbox_messages", "insert");
    private static readonly Query InsertManyQuery = Query.Write("outbox_messages", "insert_many");

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

        var insert = InsertMany(events);
        await session.ExecuteAsync(InsertManyQuery, insert.Sql, insert.Parameters, cancellationToken);
        signal.Notify();
    }

    /// <summary>
    /// The events' insert as a statement for the caller to send in one command with its own statements, so that the
    /// change and its events are written in one round trip; call <see cref="EventsCommitted"/> once that command has
    /// committed. Its parameters are named <c>outbox_*</c>, so they do not collide with the caller's.
    /// </summary>
    public static OutboxInsert InsertMany(IReadOnlyCollection<OutboxEvent> events) =>
        new(
            """
            INSERT INTO outbox_messages (event_id, event_type, payload, occurred_at)
            SELECT id, type, payload::jsonb, now()
            FROM unnest(@outbox_ids, @outbox_types, @outbox_payloads) AS e(id, type, payload)
            """,
            EventParameters(events));

    /// <summary>
    /// Like <see cref="InsertMany"/>, for a statement that may change only some of its rows: each event belongs to a
    /// row, and is written only if that row's <c>id</c> is among those <paramref name="changedRows"/> (a CTE of the
    /// caller's statement, with an <c>id</c> column) returns. Append it to the caller's <c>WITH</c> list, so the change
    /// and its events are one statement: one round trip and its own transaction.
    /// </summary>
    public static OutboxInsert InsertManyForChanged(
        IReadOnlyCollection<(Guid RowId, OutboxEvent Event)> events, string changedRows)
    {
        var parameters = EventParameters([.. events.Select(entry => entry.Event)]);
        parameters.Add("outbox_rows", events.Select(entry => entry.RowId).ToArray());
        return new OutboxInsert(
            $"""
            INSERT INTO outbox_messages (event_id, event_type, payload, occurred_at)
            SELECT id, type, payload::jsonb, now()
            FROM unnest(@outbox_ids, @outbox_types, @outbox_payloads, @outbox_rows) AS e(id, type, payload, row_id)
            WHERE e.row_id IN (SELECT id FROM {changedRows})
            """,
            parameters);
    }

    /// <summary>The events of the caller's command (<see cref="InsertMany"/>) are committed: wakes the relay.</summary>
    public void EventsCommitted() => signal.Notify();

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

    /// <summary>The events' ids, types and payloads as the inserts' <c>outbox_*</c> array parameters.</summary>
    private static DynamicParameters EventParameters(IReadOnlyCollection<OutboxEvent> events)
    {
        var parameters = new DynamicParameters();
        parameters.Add("outbox_ids", events.Select(_ => Guid.CreateVersion7()).ToArray());
        parameters.Add("outbox_types", events.Select(outboxEvent => outboxEvent.Type).ToArray());
        parameters.Add("outbox_payloads", events.Select(outboxEvent => outboxEvent.Payload).ToArray());
        return parameters;
    }
}
