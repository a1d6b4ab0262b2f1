using CloudLab.OrderService.Data;
using CloudLab.ServiceDefaults.Jobs;
using Microsoft.Extensions.Options;

namespace CloudLab.OrderService.Domain;

public sealed class SagaOptions
{
    /// <summary>A saga still running after this long has stopped (every call's budget is far shorter).</summary>
    public TimeSpan RecoverAfter { get; set; } = TimeSpan.FromMinutes(1);
}

/// <summary>
/// Finishes order requests that stopped half-way (a dependency was down, the process died): the order was not
/// committed, so any captured payment is refunded and the stock released, and a retry with the key is told so.
/// </summary>
public sealed class SagaRecovery(IServiceProvider services, IOptions<SagaOptions> options, ILogger<SagaRecovery> logger)
    : PeriodicSweeper(TimeSpan.FromSeconds(15), logger)
{
    public override async Task SweepAsync(CancellationToken cancellationToken)
    {
        var store = services.GetRequiredService<IOrderStore>();
        var compensation = services.GetRequiredService<OrderCompensation>();
        foreach (var orderId in await store.StalledRequestsAsync(options.Value.RecoverAfter, cancellationToken))
        {
            if (await compensation.TryUndoAsync(orderId, cancellationToken))
            {
                await store.FailRequestsAsync([new RequestFailure(orderId, Failures.Unavailable)], cancellationToken);
                Logger.LogInformation("Compensated unfinished order {OrderId}", orderId);
            }
        }
    }
}
