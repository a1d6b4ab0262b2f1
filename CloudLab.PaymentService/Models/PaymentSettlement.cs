using CloudLab.ServiceDefaults.Messaging;

namespace CloudLab.PaymentService.Models;

/// <summary>
/// A pending payment's outcome as the gateway gave it, to record with the event it announces (if any).
/// </summary>
public sealed record PaymentSettlement(
    Payment Pending, string Status, string? DeclineReason, string ChargeId, Func<Payment, OutboxEvent?> Announce);
