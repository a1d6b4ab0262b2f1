using CloudLab.PaymentService.Data;
using CloudLab.ServiceDefaults.Http;

namespace CloudLab.PaymentService.Payments;

/// <summary>
/// Settles payments left pending when the gateway did not answer and the caller never retried: the gateway is asked
/// again under the same key, so a charge that did go through is recorded, and one that did not is made or declined.
/// </summary>
public sealed class PendingPaymentRecovery(IServiceProvider services, ILogger<PendingPaymentRecovery> logger) : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan StaleAfter = TimeSpan.FromMinutes(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var store = services.GetRequiredService<PaymentStore>();
        var processor = services.GetRequiredService<PaymentProcessor>();
        using var timer = new PeriodicTimer(Interval);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                foreach (var id in await store.StalePendingAsync(StaleAfter, stoppingToken))
                {
                    try
                    {
                        if (await store.GetAsync(id, stoppingToken) is { } payment)
                        {
                            var settled = await processor.SettleAsync(payment, stoppingToken);
                            logger.LogInformation("Recovered pending payment {PaymentId}: {Status}", id, settled.Status);
                        }
                    }
                    catch (DependencyUnavailableException exception)
                    {
                        logger.LogWarning(exception, "Pending payment {PaymentId} is still unresolved", id);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
