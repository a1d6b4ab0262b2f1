using CloudLab.OrderService.Clients;
using CloudLab.OrderService.Data;
using CloudLab.OrderService.Models;
using CloudLab.ServiceDefaults.Http;

namespace CloudLab.OrderService.Saga;

public sealed record TransitionResult(Order? Order, string? BlockingStatus);

/// <summary>
/// pending → paid → shipped | cancelled. Cancelling refunds the payment and releases the stock while the order row is
/// locked: if either fails the order stays as it was (503), so an order is never cancelled with its money kept.
/// </summary>
public sealed class OrderLifecycle(OrderStore store, OrderReads reads, ProductCatalogClient products, PaymentsClient payments)
{
    private static readonly string[] Cancellable = [OrderStatus.Pending, OrderStatus.Paid];
    private static readonly string[] Shippable = [OrderStatus.Paid];

    public Task<TransitionResult> CancelAsync(Guid orderId, CancellationToken cancellationToken) =>
        MoveAsync(orderId, Cancellable, OrderStatus.Cancelled, async order =>
        {
            if (order.PaymentId is { } paymentId && !await payments.RefundAsync(paymentId, cancellationToken))
            {
                throw new DependencyUnavailableException($"The payment {paymentId} of this order could not be refunded.");
            }

            await products.ReleaseAsync(order.Id, cancellationToken);
        }, cancellationToken);

    public Task<TransitionResult> ShipAsync(Guid orderId, CancellationToken cancellationToken) =>
        MoveAsync(orderId, Shippable, OrderStatus.Shipped, beforeCommit: null, cancellationToken);

    private async Task<TransitionResult> MoveAsync(Guid orderId, string[] from, string to, Func<Order, Task>? beforeCommit, CancellationToken cancellationToken)
    {
        var (order, status) = await store.TransitionAsync(orderId, from, to, beforeCommit, cancellationToken);
        if (order is not null)
        {
            await reads.OrderChangedAsync(order, cancellationToken);
        }

        return new TransitionResult(order, status);
    }
}
