using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using CloudLab.ServiceDefaults.Http;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace CloudLab.OrderService.Models;

/// <summary>
/// An order's status, as stored and as returned: paid → shipped | cancelled, shipped → refunded (an order is created
/// paid). A refund made in PaymentService cancels a paid order and marks a shipped one refunded.
/// </summary>
public static class OrderStatus
{
    public const string Paid = "paid";
    public const string Shipped = "shipped";
    public const string Cancelled = "cancelled";

    /// <summary>Shipped, then its payment was refunded (in PaymentService): its stock is not given back.</summary>
    public const string Refunded = "refunded";
}

/// <summary>Where an order request (one Idempotency-Key) stands in the saga.</summary>
public static class OrderRequestState
{
    public const string Started = "started";
    public const string Completed = "completed";
    public const string Failed = "failed";
}

public sealed record OrderItem(Guid ProductId, int Quantity, decimal UnitPrice);

[ImmutableObject(true)]
public sealed record Order(
    Guid Id,
    Guid UserId,
    string Status,
    decimal Total,
    string Currency,
    IReadOnlyList<OrderItem> Items,
    Guid? PaymentId,
    DateTime CreatedAt,
    DateTime UpdatedAt)
{
    /// <summary>
    /// The row's version, raised by every status change: what the cache orders an order's writes and loads by. Not
    /// part of the API.
    /// </summary>
    [JsonIgnore]
    public long Version { get; init; } = 1;
}

public sealed record OrderLineRequest([Required] Guid? ProductId, [Required, Range(1, 1000)] int? Quantity);

public sealed record PlaceOrderRequest(
    [Required, MinLength(1), MaxLength(50), NoNullElements] IReadOnlyList<OrderLineRequest> Items);

/// <summary>Why an order was not placed, kept so that a retry with the same key gets the same answer.</summary>
public sealed record OrderFailure(
    int Status, string Title, string Detail, Dictionary<string, JsonElement>? Extensions = null);
