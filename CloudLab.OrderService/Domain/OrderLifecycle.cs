using CloudLab.Contracts;
using CloudLab.OrderService.Data;
using CloudLab.OrderService.Models;
using CloudLab.ServiceDefaults.Messaging;

namespace CloudLab.OrderService.Domain;

/// <summary>
/// The moved order, or null and the order status that blocked the move (null: no such order); when the order's
/// payment blocked it (shipping needs a captured payment), <paramref name="PaymentStatus"/> says what it was.
/// </summary>
public sealed record TransitionResult(Order? Order, string? BlockingStatus, string? PaymentStatus = null);

/// <summary>
/// paid → shipped | cancelled, shipped → refunded. Cancelling commits the new status with its OrderCancelled event
/// first, under the row lock and with no remote call inside it; then the stock is released and the payment refunded.
/// Whatever of that fails is retried by <see cref="CancelledOrderRecovery"/>, so a cancelled order never keeps money
/// or stock, and a cancelled order can no longer be shipped. Shipping asks PaymentService first (outside any lock)
/// whether the payment is still captured. A refund made in PaymentService (its PaymentRefunded event) cancels a paid
/// order, giving back its stock but asking for no second refund, and marks a shipped order refunded; a refund this
/// service asked for itself finds its order cancelled already and changes nothing.
/// </summary>
public sealed class OrderLifecycle(
    IOrderStore store, OrderReads reads, OrderCompensation compensation, IPayments payments, TimeProvider time)
{
    private static readonly string[] Cancellable = [OrderStatus.Paid];
    private static readonly string[] Shippable = [OrderStatus.Paid];
    private static readonly string[] RefundableAfterShipping = [OrderStatus.Shipped];

    public async Task<TransitionResult> CancelAsync(Guid orderId, CancellationToken cancellationToken)
    {
        if (await store.GetAsync(orderId, cancellationToken) is not { } order)
        {
            return new TransitionResult(null, null);
        }

        var result = await MoveAsync(orderId, Cancelling(order, paymentRefunded: false), cancellationToken);
        if (result.Order is { } moved)
        {
            await GiveBackAsync(moved, refundDue: true, cancellationToken);
        }

        return result;
    }

    /// <summary>
    /// Ships a paid order whose payment PaymentService still holds captured. The payment is asked for before the
    /// status changes and outside the row lock; a refund landing in between is applied by its event (the shipped order
    /// becomes refunded).
    /// </summary>
    public async Task<TransitionResult> ShipAsync(Guid orderId, CancellationToken cancellationToken)
    {
        if (await store.GetAsync(orderId, cancellationToken) is not { } order)
        {
            return new TransitionResult(null, null);
        }

        if (!Shippable.Contains(order.Status))
        {
            return new TransitionResult(null, order.Status);
        }

        var payment = order.PaymentId is { } paymentId ? await payments.GetAsync(paymentId, cancellationToken) : null;
        if (payment?.Status != RemotePaymentStatus.Captured)
        {
            return new TransitionResult(null, order.Status, payment?.Status ?? RemotePaymentStatus.Missing);
        }

        return await MoveAsync(orderId, new OrderTransition(Shippable, OrderStatus.Shipped), cancellationToken);
    }

    /// <summary>
    /// Applies payments refunded in PaymentService to their orders, all in one transaction, then gives back the stock
    /// of the orders this cancelled. Idempotent by state: a redelivered event finds its order moved already.
    /// </summary>
    public async Task<IReadOnlyList<Order>> PaymentsRefundedAsync(
        IReadOnlyCollection<PaymentRefunded> refunds, CancellationToken cancellationToken)
    {
        if (refunds.Count == 0)
        {
            return [];
        }

        var refundedPayments = refunds.Select(refund => refund.PaymentId).ToHashSet();
        var moved = await store.TransitionManyAsync(
            refunds.Select(refund => refund.OrderId).Distinct().ToList(),
            order => AfterRefund(order, refundedPayments),
            cancellationToken);
        await Task.WhenAll(moved.Select(async order =>
        {
            await reads.OrderChangedAsync(order, cancellationToken);
            if (order.Status == OrderStatus.Cancelled)
            {
                await GiveBackAsync(order, refundDue: false, cancellationToken);
            }
        }));
        return moved;
    }

    /// <summary>
    /// Where a refund of <paramref name="refundedPayments"/> takes <paramref name="order"/>: only the refund of the
    /// order's own payment moves it; a cancelled or refunded order stays as it is.
    /// </summary>
    private OrderTransition? AfterRefund(Order order, IReadOnlySet<Guid> refundedPayments) =>
        order.PaymentId is { } paymentId && refundedPayments.Contains(paymentId)
            ? order.Status switch
            {
                OrderStatus.Paid => Cancelling(order, paymentRefunded: true),
                OrderStatus.Shipped => new OrderTransition(
                    RefundableAfterShipping, OrderStatus.Refunded, PaymentRefunded: true),
                _ => null,
            }
            : null;

    private OrderTransition Cancelling(Order order, bool paymentRefunded)
    {
        var cancelled = new OrderCancelled(
            order.Id, order.UserId, order.Total, order.Currency, Lines(order), time.GetUtcNow());
        return new OrderTransition(
            Cancellable,
            OrderStatus.Cancelled,
            OutboxEvent.Create(EventTypes.OrderCancelled, cancelled, EventJsonContext.Default.OrderCancelled),
            CompensationDue: true,
            PaymentRefunded: paymentRefunded);
    }

    private async Task GiveBackAsync(Order cancelled, bool refundDue, CancellationToken cancellationToken)
    {
        if (await compensation.TrySettleCancelledAsync(cancelled, refundDue, cancellationToken))
        {
            await store.CompensationDoneAsync(cancelled.Id, cancellationToken);
        }
    }

    private async Task<TransitionResult> MoveAsync(
        Guid orderId, OrderTransition transition, CancellationToken cancellationToken)
    {
        var (order, status) = await store.TransitionAsync(orderId, transition, cancellationToken);
        if (order is not null)
        {
            await reads.OrderChangedAsync(order, cancellationToken);
        }

        return new TransitionResult(order, status);
    }

    internal static List<OrderLine> Lines(Order order) =>
        order.Items.Select(item => new OrderLine(item.ProductId, item.Quantity, item.UnitPrice)).ToList();
}
