using System.ComponentModel.DataAnnotations;

namespace CloudLab.ProductService.Models;

public sealed record ReservationItem(
    [Required] Guid? ProductId,
    [Required, Range(1, 10_000)] int? Quantity);

public sealed record ReservationRequest(
    [Required] Guid? OrderId,
    [Required, MinLength(1), MaxLength(100)] IReadOnlyList<ReservationItem> Items);

public sealed record ReservedLine(Guid ProductId, int Quantity, decimal UnitPrice, string Currency);

public sealed record Reservation(Guid OrderId, string Status, IReadOnlyList<ReservedLine> Items);

/// <summary>An item that cannot be reserved; <paramref name="Reason"/> is unknown_product, not_for_sale or insufficient_stock.</summary>
public sealed record ShortItem(Guid ProductId, int Requested, int Available, string Reason);

/// <summary>Why a reservation could not be made.</summary>
public enum ReservationFailure
{
    None,
    ItemsNotAvailable,
    AlreadyReleased,
}

public sealed record ReservationOutcome(Reservation? Reservation, ReservationFailure Failure, IReadOnlyList<ShortItem> ShortItems);
