using CloudLab.Contracts;
using CloudLab.PaymentService.Data;
using CloudLab.PaymentService.Models;
using CloudLab.ServiceDefaults.Caching;
using CloudLab.ServiceDefaults.Messaging;

namespace CloudLab.PaymentService.Domain;

public enum ChargeOutcome
{
    Settled,
    Replayed,
    KeyReused,
}

/// <summary>
/// Charges and refunds. A charge is first recorded as pending under the caller's idempotency key, then sent to the
/// gateway under the payment's id: a retry of the same request, or the recovery job, asks the gateway again with the
/// same id and gets the same answer, so nothing is ever charged twice. Captures and refunds are announced as events.
/// </summary>
public sealed class PaymentProcessor(IPaymentStore store, IPaymentGateway gateway, ServiceCache cache)
{
    public async Task<(Payment Payment, ChargeOutcome Outcome)> ChargeAsync(
        string idempotencyKey, ChargeRequest request, CancellationToken cancellationToken)
    {
        var (payment, created) = await store.ClaimAsync(idempotencyKey, request, cancellationToken);
        if (!created
            && (payment.OrderId != request.OrderId
                || payment.Amount != request.Amount
                || payment.Currency != request.Currency))
        {
            return (payment, ChargeOutcome.KeyReused);
        }

        if (payment.Status != PaymentStatus.Pending)
        {
            return (payment, ChargeOutcome.Replayed);
        }

        // A payment this request created was never handed out, so no cache can hold it yet: no write-through.
        var settled = await SettleAsync(payment, cancellationToken, writeThrough: !created);
        return (settled, created ? ChargeOutcome.Settled : ChargeOutcome.Replayed);
    }

    /// <summary>
    /// Asks the gateway for the outcome of a pending payment (charging it if it never reached the gateway).
    /// </summary>
    public async Task<Payment> SettleAsync(
        Payment pending, CancellationToken cancellationToken, bool writeThrough = true)
    {
        var charge = await gateway.ChargeAsync(pending.Id, pending.Amount, pending.Currency, cancellationToken);
        var status = charge.Outcome == GatewayOutcome.Captured ? PaymentStatus.Captured : PaymentStatus.Declined;
        var settled = await store.SettleAsync(
            pending.Id, status, charge.DeclineReason, charge.ChargeId, Captured, cancellationToken);
        if (writeThrough)
        {
            await cache.SetAsync(
                CachePolicies.Payment,
                CachePolicies.Payment.Key(settled.Id),
                settled,
                cancellationToken: cancellationToken);
        }

        return settled;
    }

    /// <summary>
    /// Refunds a captured payment; a refunded one is returned as it is. Null when it cannot be refunded.
    /// </summary>
    public async Task<Payment?> RefundAsync(Payment payment, CancellationToken cancellationToken)
    {
        if (payment.Status == PaymentStatus.Refunded)
        {
            return payment;
        }

        if (payment.Status != PaymentStatus.Captured
            || await gateway.RefundAsync(payment.Id, cancellationToken) is null)
        {
            return null;
        }

        var refunded = await store.MarkRefundedAsync(payment.Id, Refunded, cancellationToken)
            ?? await store.GetAsync(payment.Id, cancellationToken);
        await cache.SetAsync(
            CachePolicies.Payment,
            CachePolicies.Payment.Key(payment.Id),
            refunded,
            cancellationToken: cancellationToken);
        return refunded;
    }

    public ValueTask<Payment?> GetAsync(Guid id, CancellationToken cancellationToken) =>
        cache.GetOrLoadAsync(
            CachePolicies.Payment,
            CachePolicies.Payment.Key(id),
            id,
            store.GetAsync,
            cancellationToken: cancellationToken);

    private static OutboxEvent? Captured(Payment payment) => payment.Status == PaymentStatus.Captured
        ? OutboxEvent.Create(
            EventTypes.PaymentCaptured,
            new PaymentCaptured(
                payment.Id, payment.OrderId, payment.UserId, payment.Amount, payment.Currency, payment.UpdatedAt),
            EventJsonContext.Default.PaymentCaptured)
        : null;

    private static OutboxEvent Refunded(Payment payment) => OutboxEvent.Create(
        EventTypes.PaymentRefunded,
        new PaymentRefunded(
            payment.Id, payment.OrderId, payment.UserId, payment.Amount, payment.Currency, payment.UpdatedAt),
        EventJsonContext.Default.PaymentRefunded);
}
