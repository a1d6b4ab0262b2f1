using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using CloudLab.ServiceDefaults.Http;

namespace CloudLab.PaymentService.Models;

public static class PaymentStatus
{
    public const string Pending = "pending";
    public const string Captured = "captured";
    public const string Declined = "declined";
    public const string Refunded = "refunded";
}

/// <summary>
/// A payment as stored and returned. <see cref="Version"/> is raised by every status change: the cache orders a
/// payment's writes and loads by it.
/// </summary>
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
    DateTime UpdatedAt,
    long Version);

public sealed record ChargeRequest(
    [Required] Guid? OrderId,
    [Required] Guid? UserId,
    [Required, Range(typeof(decimal), "0.01", "100000000")] decimal? Amount,
    [Required, RegularExpression(
        "^[A-Z]{3}$", ErrorMessage = "currency must be a three-letter ISO 4217 code such as USD.")]
    string Currency);

/// <summary>
/// One charge of a batch, under its own idempotency key (the same rules as the Idempotency-Key header).
/// </summary>
public sealed record ChargeBatchItem(
    [Required, RegularExpression(
        "^[\\x21-\\x7E]{1,100}$", ErrorMessage = "idempotencyKey must be 1 to 100 printable ASCII characters.")]
    string IdempotencyKey,
    [Required] ChargeRequest Charge);

/// <summary>Many charges in one call (OrderService batches the orders it is placing).</summary>
public sealed record ChargeBatchRequest(
    [Required, MinLength(1), MaxLength(ChargeBatchRequest.MaxCharges), NoNullElements]
    IReadOnlyList<ChargeBatchItem> Charges)
{
    public const int MaxCharges = 256;
}

/// <summary>What became of one charge of a batch.</summary>
public static class ChargeResultKind
{
    /// <summary>This request settled the charge (captured or declined: see the payment's status).</summary>
    public const string Settled = "settled";

    /// <summary>The key was used before for the same charge: its payment, as it stands.</summary>
    public const string Replayed = "replayed";

    /// <summary>The key was used before for a different charge: nothing was done.</summary>
    public const string KeyReused = "key_reused";

    /// <summary>
    /// The gateway did not answer: the payment stays pending until a retry or the recovery job settles it.
    /// </summary>
    public const string Unknown = "unknown";
}

public sealed record ChargeBatchResult(string IdempotencyKey, string Outcome, Payment? Payment);

public sealed record ChargeBatchResponse(IReadOnlyList<ChargeBatchResult> Results);
