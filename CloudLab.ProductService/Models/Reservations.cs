using System.ComponentModel.DataAnnotations;
using CloudLab.ServiceDefaults.Http;

namespace CloudLab.ProductService.Models;

public sealed record ReservationItem(
    [Required] Guid? ProductId,
    [Required, Range(1, 10_000)] int? Quantity);

public sealed record ReservationRequest(
    [Required] Guid? OrderId,
    [Required, MinLength(1), MaxLength(100), NoNullElements] IReadOnlyList<ReservationItem> Items);

/// <summary>Many orders' reservations in one call (OrderService batches the orders it is placing).</summary>
public sealed record ReservationBatchRequest(
    [Required, MinLength(1), MaxLength(ReservationBatchRequest.MaxOrders), NoNullElements]
    IReadOnlyList<ReservationRequest> Orders)
{
    public const int MaxOrders = 256;
}

/// <summary>
/// Many orders' reservations given back in one call (OrderService batches the releases of the orders it undoes).
/// </summary>
public sealed record ReleaseBatchRequest(
    [Required, MinLength(1), MaxLength(ReservationBatchRequest.MaxOrders)] IReadOnlyList<Guid> OrderIds);

/// <summary>What became of one order of a batch.</summary>
public static class ReservationResultKind
{
    public const string Reserved = ReservationStatus.Reserved;
    public const string ItemsNotAvailable = "items_not_available";
    public const string Released = ReservationStatus.Released;
}

/// <summary>
/// One order's answer in a batch: its reservation, or the items it cannot have, or that it was released.
/// </summary>
public sealed record ReservationResult(
    Guid OrderId, string Outcome, Reservation? Reservation, IReadOnlyList<ShortItem> ShortItems);

public sealed record ReservationBatchResponse(IReadOnlyList<ReservationResult> Results);

public sealed record ReservedLine(Guid ProductId, int Quantity, decimal UnitPrice, string Currency);

public sealed record Reservation(Guid OrderId, string Status, IReadOnlyList<ReservedLine> Items);

/// <summary>A reservation's state, as stored and as returned.</summary>
public static class ReservationStatus
{
    public const string Reserved = "reserved";
    public const string Released = "released";
}

/// <summary>Why an item cannot be reserved.</summary>
public static class ShortItemReason
{
    public const string UnknownProduct = "unknown_product";
    public const string NotForSale = "not_for_sale";
    public const string InsufficientStock = "insufficient_stock";
}

/// <summary>An item that cannot be reserved, with a <see cref="ShortItemReason"/>.</summary>
public sealed record ShortItem(Guid ProductId, int Requested, int Available, string Reason);

/// <summary>Why a reservation could not be made.</summary>
public enum ReservationFailure
{
    None,
    ItemsNotAvailable,
    AlreadyReleased,
}

public sealed record ReservationOutcome(
    Reservation? Reservation, ReservationFailure Failure, IReadOnlyList<ShortItem> ShortItems);
