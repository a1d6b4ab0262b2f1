using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using CloudLab.ServiceDefaults.Data;

namespace CloudLab.ServiceDefaults.Events;

/// <summary>
/// Writes an event into the service's outbox inside the caller's transaction, so the event exists exactly when the
/// change it describes was committed. <see cref="OutboxRelay"/> publishes it afterwards, retrying while Redis is down.
/// </summary>
public sealed class OutboxWriter(OutboxSignal signal)
{
    private static readonly Query Insert = Query.Write("outbox_messages", "insert");

    public async Task AddAsync<T>(DbSession session, string eventType, T payload, JsonTypeInfo<T> typeInfo, CancellationToken cancellationToken)
    {
        await session.ExecuteAsync(
            Insert,
            "INSERT INTO outbox_messages (event_id, event_type, payload, occurred_at) VALUES (@EventId, @EventType, @Payload::jsonb, now())",
            new { EventId = Guid.CreateVersion7(), EventType = eventType, Payload = JsonSerializer.Serialize(payload, typeInfo) },
            cancellationToken);
        signal.Notify();
    }
}

/// <summary>Wakes the relay when an event was written, so publishing does not wait for the next poll.</summary>
public sealed class OutboxSignal : IDisposable
{
    private readonly SemaphoreSlim _signal = new(0, 1);

    public void Notify()
    {
        if (_signal.CurrentCount == 0)
        {
            try
            {
                _signal.Release();
            }
            catch (SemaphoreFullException)
            {
                // Another writer already woke the relay.
            }
        }
    }

    public void Dispose() => _signal.Dispose();

    public Task<bool> WaitAsync(TimeSpan timeout, CancellationToken cancellationToken) => _signal.WaitAsync(timeout, cancellationToken);
}
