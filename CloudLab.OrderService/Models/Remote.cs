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
    public const string Refunded = "refunded";

    /// <summary>Not an answer of PaymentService: the order has no payment it knows of.</summary>
    public const string Missing = "missing";
}

public sealed record PaymentInfo(
    Guid Id, Guid OrderId, decimal Amount, string Currency, string Status, string? DeclineReason);

public sealed record PaymentPage(IReadOnlyList<PaymentInfo> Items);

/// <summary>Many orders' reservations in one call to ProductService.</summary>
public sealed record ReservationBatchRequest(IReadOnlyList<ReservationRequest> Orders);

/// <summary>Many orders' stock given back in one call to ProductService.</summary>
public sealed record ReleaseBatchRequest(IReadOnlyList<Guid> OrderIds);

/// <summary>What ProductService did with one order of a batch.</summary>
public static class RemoteReservationOutcome
{
    public const string Reserved = "reserved";
    public const string ItemsNotAvailable = "items_not_available";
    public const string Released = "released";
}

public sealed record ReservationResult(
    Guid OrderId, string Outcome, ReservationResponse? Reservation, IReadOnlyList<ShortItem>? ShortItems);

public sealed record ReservationBatchResponse(IReadOnlyList<ReservationResult> Results);

/// <summary>Many charges in one call to PaymentService, each under its own idempotency key (the order id).</summary>
public sealed record ChargeBatchRequest(IReadOnlyList<ChargeBatchItem> Charges);

public sealed record ChargeBatchItem(string IdempotencyKey, ChargeRequest Charge);

/// <summary>What PaymentService did with one charge of a batch.</summary>
public static class RemoteChargeOutcome
{
    public const string Settled = "settled";
    public const string Replayed = "replayed";
    public const string KeyReused = "key_reused";
    public const string Unknown = "unknown";
}

public sealed record ChargeBatchResult(string IdempotencyKey, string Outcome, PaymentInfo? Payment);

public sealed record ChargeBatchResponse(IReadOnlyList<ChargeBatchResult> Results);
