using System.ComponentModel;
using System.ComponentModel.DataAnnotations;

namespace CloudLab.PaymentService.Models;

public static class PaymentStatus
{
    public const string Pending = "pending";
    public const string Captured = "captured";
    public const string Declined = "declined";
    public const string Refunded = "refunded";
}

[ImmutableObject(true)]
public sealed record Payment(
    Guid Id,
    Guid OrderId,
    Guid UserId,
    decimal Amount,
    string Currency,
    string Status,
    string? DeclineReason,
    DateTime CreatedAt,
    DateTime UpdatedAt);

public sealed record ChargeRequest(
    [Required] Guid? OrderId,
    [Required] Guid? UserId,
    [Required, Range(typeof(decimal), "0.01", "100000000")] decimal? Amount,
    [Required, RegularExpression("^[A-Z]{3}$", ErrorMessage = "currency must be a three-letter ISO 4217 code such as USD.")] string Currency);
