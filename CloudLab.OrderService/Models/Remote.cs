namespace CloudLab.OrderService.Models;

// What OrderService reads from ProductService and PaymentService (only the fields it uses).

public sealed record ReservationLine(Guid ProductId, int Quantity, decimal UnitPrice, string Currency);

public sealed record ReservationResponse(Guid OrderId, string Status, IReadOnlyList<ReservationLine> Items);

public sealed record ReservationItemRequest(Guid ProductId, int Quantity);

public sealed record ReservationRequest(Guid OrderId, IReadOnlyList<ReservationItemRequest> Items);

public sealed record ShortItem(Guid ProductId, int Requested, int Available, string Reason);

public sealed record ChargeRequest(Guid OrderId, Guid UserId, decimal Amount, string Currency);

/// <summary>The payment states OrderService acts on.</summary>
public static class RemotePaymentStatus
{
    public const string Pending = "pending";
    public const string Captured = "captured";
}

public sealed record PaymentInfo(Guid Id, Guid OrderId, decimal Amount, string Currency, string Status, string? DeclineReason);

public sealed record PaymentPage(IReadOnlyList<PaymentInfo> Items);
