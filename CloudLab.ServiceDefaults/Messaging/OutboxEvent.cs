using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace CloudLab.ServiceDefaults.Messaging;

/// <summary>
/// An event ready for the outbox: its type and its JSON. Made by the code that decides the event, written by a store
/// inside the transaction of the change it describes.
/// </summary>
public sealed record OutboxEvent(string Type, string Payload)
{
    public static OutboxEvent Create<T>(string type, T payload, JsonTypeInfo<T> typeInfo) =>
        new(type, JsonSerializer.Serialize(payload, typeInfo));
}
