using CloudLab.Contracts;
using CloudLab.OrderService.Data;
using CloudLab.OrderService.Models;
using CloudLab.ServiceDefaults.Messaging;

namespace CloudLab.OrderService.Domain;

public sealed record TransitionResult(Order? Order, string? BlockingStatus);

/// <summary>
/// paid → shipped | cancelled. Cancelling commits the new status with its OrderCancelled event first, under the row
/// lock and with no remote call inside it; then the stock is released and the payment refunded. Whatever of that
/// fails is retried by <see cref="CancelledOrderRecovery"/>, so a cancelled order never keeps money or stock, and a
/// cancelled order can no longer be shipped.
/// </summary>
public sealed class OrderLifecycle(
    IOrderStore store, OrderReads reads, OrderCompensation compensation, TimeProvider time)
{
    private static readonly string[] Cancellable = [OrderStatus.Paid];
    private static readonly string[] Shippable = [OrderStatus.Paid];

    public async Task<TransitionResult> CancelAsync(Guid orderId, CancellationToken cancellationToken)
    {
        if (await store.GetAsync(orderId, cancellationToken) is not { } order)
        {
            return new TransitionResult(null, null);
        }

        var cancelled = new OrderCancelled(
            order.Id, order.UserId, order.Total, order.Currency, Lines(order), time.GetUtcNow());
        var transition = new OrderTransition(
            Cancellable, OrderStatus.Cancelled,
            OutboxEvent.Create(EventTypes.OrderCancelled, cancelled, EventJsonContext.Default.OrderCancelled),
            CompensationDue: true);
        var result = await MoveAsync(orderId, transition, cancellationToken);
        if (result.Order is { } moved && await compensation.TrySettleCancelledAsync(moved, cancellationToken))
        {
            await store.CompensationDoneAsync(moved.Id, cancellationToken);
        }

        return result;
    }

    public Task<TransitionResult> ShipAsync(Guid orderId, CancellationToken cancellationToken) =>
        MoveAsync(orderId, new OrderTransition(Shippable, OrderStatus.Shipped), cancellationToken);

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
