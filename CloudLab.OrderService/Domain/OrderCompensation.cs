using CloudLab.OrderService.Models;
using CloudLab.ServiceDefaults.Http;

namespace CloudLab.OrderService.Domain;

/// <summary>
/// Gives back what an order took: its stock reservation and any payment captured for it. Every step is idempotent.
/// </summary>
public sealed class OrderCompensation(
    IProductReservations products, IPayments payments, ILogger<OrderCompensation> logger)
{
    /// <summary>
    /// Starts giving an unfinished order's stock back without holding its caller: while a dependency hangs, the 503
    /// goes out at once instead of after another call budget (up to 4 s more per request, which kept hundreds of
    /// requests in flight after a PostgreSQL freeze and had the next ones refused with 429). A release that fails
    /// here is done by <see cref="SagaRecovery"/>.
    /// </summary>
    public Task StartReleasingStock(Guid orderId) => Task.Run(async () =>
    {
        try
        {
            await TryReleaseStockAsync(orderId, CancellationToken.None);
        }
        catch (Exception exception)
        {
            logger.LogWarning(exception, "Stock of unfinished order {OrderId} could not be released yet; the recovery "
                + "job will", orderId);
        }
    });

    public async Task TryReleaseStockAsync(Guid orderId, CancellationToken cancellationToken)
    {
        try
        {
            await products.ReleaseAsync(orderId, cancellationToken);
        }
        catch (DependencyUnavailableException exception)
        {
            logger.LogWarning(
                "Stock of unfinished order {OrderId} could not be released yet ({Reason}); the recovery job will",
                orderId, exception.Message);
        }
    }

    /// <summary>
    /// For an order that was never committed: refunds captured payments and releases the stock. False while something
    /// cannot be settled yet (a payment still pending, a dependency down).
    /// </summary>
    public async Task<bool> TryUndoAsync(Guid orderId, CancellationToken cancellationToken)
    {
        try
        {
            var charges = await payments.ForOrderAsync(orderId, cancellationToken);
            if (charges.Any(payment => payment.Status == RemotePaymentStatus.Pending))
            {
                return false; // PaymentService settles its pending charges first
            }

            foreach (var payment in charges.Where(payment => payment.Status == RemotePaymentStatus.Captured))
            {
                await payments.RefundAsync(payment.Id, cancellationToken);
                logger.LogInformation(
                    "Refunded payment {PaymentId} of unfinished order {OrderId}", payment.Id, orderId);
            }

            await products.ReleaseAsync(orderId, cancellationToken);
            return true;
        }
        catch (DependencyUnavailableException exception)
        {
            logger.LogWarning(
                "Unfinished order {OrderId} cannot be compensated yet ({Reason})", orderId, exception.Message);
            return false;
        }
    }

    /// <summary>
    /// For a cancelled order: releases its stock and, when <paramref name="refundDue"/>, refunds its payment (not when
    /// the cancel came from a refund made in PaymentService). False while either cannot be confirmed (a dependency
    /// down, or a payment that cannot be refunded, which is logged for a person to look at).
    /// </summary>
    public async Task<bool> TrySettleCancelledAsync(Order order, bool refundDue, CancellationToken cancellationToken)
    {
        try
        {
            await products.ReleaseAsync(order.Id, cancellationToken);
            if (refundDue
                && order.PaymentId is { } paymentId
                && !await payments.RefundAsync(paymentId, cancellationToken))
            {
                logger.LogError(
                    "Payment {PaymentId} of cancelled order {OrderId} cannot be refunded", paymentId, order.Id);
                return false;
            }

            return true;
        }
        catch (DependencyUnavailableException exception)
        {
            logger.LogWarning("Cancelled order {OrderId} is not settled yet ({Reason}); the recovery job retries",
                order.Id, exception.Message);
            return false;
        }
    }
}
