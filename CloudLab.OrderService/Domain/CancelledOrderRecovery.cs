using CloudLab.OrderService.Data;
using CloudLab.ServiceDefaults.Jobs;

namespace CloudLab.OrderService.Domain;

/// <summary>
/// Finishes cancellations whose stock release or refund did not go through when the order was cancelled (a
/// dependency was down, the process stopped): both steps are idempotent, so it simply runs them again. An order
/// cancelled because its payment was refunded in PaymentService only gets its stock back.
/// </summary>
public sealed class CancelledOrderRecovery(IServiceProvider services, ILogger<CancelledOrderRecovery> logger)
    : PeriodicSweeper(TimeSpan.FromSeconds(15), logger)
{
    /// <summary>Leaves a cancellation that is still running alone.</summary>
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(10);

    public override async Task SweepAsync(CancellationToken cancellationToken)
    {
        var store = services.GetRequiredService<IOrderStore>();
        var compensation = services.GetRequiredService<OrderCompensation>();
        foreach (var (order, refundDue) in await store.CompensationDueAsync(Grace, cancellationToken))
        {
            if (await compensation.TrySettleCancelledAsync(order, refundDue, cancellationToken))
            {
                await store.CompensationDoneAsync(order.Id, cancellationToken);
                Logger.LogInformation(
                    "Settled cancelled order {OrderId}: stock released, payment refunded", order.Id);
            }
        }
    }
}
