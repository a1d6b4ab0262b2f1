using CloudLab.OrderService.Data;
using CloudLab.ServiceDefaults.Data;

namespace CloudLab.OrderService.Saga;

public sealed class SagaOptions
{
    /// <summary>A saga still running after this long has stopped (every call's budget is far shorter).</summary>
    public TimeSpan RecoverAfter { get; set; } = TimeSpan.FromMinutes(1);
}

/// <summary>
/// Finishes order requests that stopped half-way (a dependency was down, the process died): the order was not
/// committed, so any captured payment is refunded and the stock released, and a retry with the key is told so.
/// </summary>
public sealed class SagaRecovery(IServiceProvider services, Microsoft.Extensions.Options.IOptions<SagaOptions> options, ILogger<SagaRecovery> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var store = services.GetRequiredService<OrderStore>();
        var compensation = services.GetRequiredService<OrderCompensation>();
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(15));
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    await RecoverAsync(store, compensation, stoppingToken);
                }
                catch (Exception exception) when (exception is Npgsql.NpgsqlException or DatabaseTimeoutException)
                {
                    logger.LogWarning("Saga recovery could not reach the database ({Reason}); it tries again in 15 s", exception.Message);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task RecoverAsync(OrderStore store, OrderCompensation compensation, CancellationToken cancellationToken)
    {
        foreach (var orderId in await store.StalledRequestsAsync(options.Value.RecoverAfter, cancellationToken))
        {
            if (await compensation.TryUndoAsync(orderId, cancellationToken))
            {
                await store.FailRequestAsync(orderId, Failures.Unavailable, cancellationToken);
                logger.LogInformation("Compensated unfinished order {OrderId}", orderId);
            }
        }
    }
}
