using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Text.Json;

namespace CloudLab.OrderService.Models;

public static class OrderStatus
{
    public const string Pending = "pending";
    public const string Paid = "paid";
    public const string Shipped = "shipped";
    public const string Cancelled = "cancelled";
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
    DateTime UpdatedAt);

public sealed record OrderLineRequest([Required] Guid? ProductId, [Required, Range(1, 1000)] int? Quantity);

public sealed record PlaceOrderRequest([Required, MinLength(1), MaxLength(50)] IReadOnlyList<OrderLineRequest> Items);

/// <summary>Why an order was not placed, kept so that a retry with the same key gets the same answer.</summary>
public sealed record OrderFailure(int Status, string Title, string Detail, Dictionary<string, JsonElement>? Extensions = null);
