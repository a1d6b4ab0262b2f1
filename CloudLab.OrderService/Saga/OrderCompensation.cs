using CloudLab.OrderService.Clients;
using CloudLab.ServiceDefaults.Http;

namespace CloudLab.OrderService.Saga;

/// <summary>Gives back what an unfinished order took: its stock reservation and any payment captured for it.</summary>
public sealed class OrderCompensation(ProductCatalogClient products, PaymentsClient payments, ILogger<OrderCompensation> logger)
{
    public async Task TryReleaseStockAsync(Guid orderId, CancellationToken cancellationToken)
    {
        try
        {
            await products.ReleaseAsync(orderId, cancellationToken);
        }
        catch (DependencyUnavailableException exception)
        {
            logger.LogWarning("Stock of unfinished order {OrderId} could not be released yet ({Reason}); the recovery job will", orderId, exception.Message);
        }
    }

    /// <summary>Refunds captured payments and releases the stock. False while something cannot be settled yet.</summary>
    public async Task<bool> TryUndoAsync(Guid orderId, CancellationToken cancellationToken)
    {
        try
        {
            var charges = await payments.ForOrderAsync(orderId, cancellationToken);
            if (charges.Any(payment => payment.Status == "pending"))
            {
                return false; // PaymentService settles its pending charges first
            }

            foreach (var payment in charges.Where(payment => payment.Status == "captured"))
            {
                await payments.RefundAsync(payment.Id, cancellationToken);
                logger.LogInformation("Refunded payment {PaymentId} of unfinished order {OrderId}", payment.Id, orderId);
            }

            await products.ReleaseAsync(orderId, cancellationToken);
            return true;
        }
        catch (DependencyUnavailableException exception)
        {
            logger.LogWarning("Unfinished order {OrderId} cannot be compensated yet ({Reason})", orderId, exception.Message);
            return false;
        }
    }
}
