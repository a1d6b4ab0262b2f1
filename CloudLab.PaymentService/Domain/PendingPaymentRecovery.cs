using CloudLab.PaymentService.Data;
using CloudLab.ServiceDefaults.Http;
using CloudLab.ServiceDefaults.Jobs;

namespace CloudLab.PaymentService.Domain;

/// <summary>
/// Settles payments left pending when the gateway did not answer and the caller never retried: the gateway is asked
/// again under the same key, so a charge that did go through is recorded, and one that did not is made or declined.
/// </summary>
public sealed class PendingPaymentRecovery(IServiceProvider services, ILogger<PendingPaymentRecovery> logger)
    : PeriodicSweeper(TimeSpan.FromSeconds(30), logger)
{
    /// <summary>Longer than a charge's whole gateway budget (1 s), so a charge still in flight is left alone.</summary>
    private static readonly TimeSpan StaleAfter = TimeSpan.FromMinutes(1);

    public override async Task SweepAsync(CancellationToken cancellationToken)
    {
        var store = services.GetRequiredService<IPaymentStore>();
        var processor = services.GetRequiredService<PaymentProcessor>();
        foreach (var id in await store.StalePendingAsync(StaleAfter, cancellationToken))
        {
            try
            {
                if (await store.GetAsync(id, cancellationToken) is { } payment)
                {
                    var settled = await processor.SettleAsync(payment, cancellationToken);
                    Logger.LogInformation("Recovered pending payment {PaymentId}: {Status}", id, settled.Status);
                }
            }
            catch (DependencyUnavailableException exception)
            {
                Logger.LogWarning("Pending payment {PaymentId} is still unresolved ({Reason})", id, exception.Message);
            }
        }
    }
}
