using System.Text.Json;
using System.Text.Json.Serialization;

namespace CloudLab.Contracts;

/// <summary>
/// The event types that cross service boundaries, on the <see cref="EventStreams.Events"/> Redis stream.
/// </summary>
public static class EventTypes
{
    public const string OrderPlaced = "order.placed";
    public const string OrderCancelled = "order.cancelled";
    public const string PaymentCaptured = "payment.captured";
    public const string PaymentRefunded = "payment.refunded";
    public const string UserRegistered = "user.registered";
}

/// <summary>The stream every service's outbox relay publishes to and consumers read.</summary>
public static class EventStreams
{
    public const string Events = "cloudlab:events";
}

public sealed record OrderLine(Guid ProductId, int Quantity, decimal UnitPrice);

public sealed record OrderPlaced(
    Guid OrderId,
    Guid UserId,
    decimal Total,
    string Currency,
    IReadOnlyList<OrderLine> Lines,
    DateTimeOffset PlacedAt);

public sealed record OrderCancelled(
    Guid OrderId,
    Guid UserId,
    decimal Total,
    string Currency,
    IReadOnlyList<OrderLine> Lines,
    DateTimeOffset CancelledAt);

public sealed record PaymentCaptured(
    Guid PaymentId,
    Guid OrderId,
    Guid UserId,
    decimal Amount,
    string Currency,
    DateTimeOffset CapturedAt);

public sealed record PaymentRefunded(
    Guid PaymentId,
    Guid OrderId,
    Guid UserId,
    decimal Amount,
    string Currency,
    DateTimeOffset RefundedAt);

public sealed record UserRegistered(Guid UserId, DateTimeOffset RegisteredAt);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(OrderPlaced))]
[JsonSerializable(typeof(OrderCancelled))]
[JsonSerializable(typeof(PaymentCaptured))]
[JsonSerializable(typeof(PaymentRefunded))]
[JsonSerializable(typeof(UserRegistered))]
public sealed partial class EventJsonContext : JsonSerializerContext;
