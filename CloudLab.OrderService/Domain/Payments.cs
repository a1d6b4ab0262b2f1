using System.Diagnostics.Metrics;
using CloudLab.OrderService.Models;
using CloudLab.ServiceDefaults.Batching;

namespace CloudLab.OrderService.Domain;

/// <summary>
/// Charges and refunds for orders. A charge carries the order id as its key: retried, it charges once.
/// </summary>
public interface IPayments
{
    Task<PaymentInfo> ChargeAsync(ChargeRequest charge, CancellationToken cancellationToken);

    Task<IReadOnlyList<PaymentInfo>> ForOrderAsync(Guid orderId, CancellationToken cancellationToken);

    /// <summary>The payment as PaymentService holds it now; null when it knows no such payment.</summary>
    Task<PaymentInfo?> GetAsync(Guid paymentId, CancellationToken cancellationToken);

    /// <summary>
    /// Refunds a captured payment (a refunded one is fine too); false when the payment cannot be refunded.
    /// </summary>
    Task<bool> RefundAsync(Guid paymentId, CancellationToken cancellationToken);
}

/// <summary>
/// The charges of the orders being placed at the same moment go to PaymentService in one call (natural batching); the
/// gateway behind it is still asked once per charge, concurrently. Each order gets its own outcome.
/// </summary>
public sealed class Payments : IPayments, IAsyncDisposable
{
    private readonly IServiceProvider _services;
    private readonly NaturalBatcher<ChargeRequest, Func<PaymentInfo>> _charges;

    public Payments(IServiceProvider services, IMeterFactory meterFactory)
    {
        _services = services;
        _charges = new NaturalBatcher<ChargeRequest, Func<PaymentInfo>>(
            new BatchingStage("charge_call", MaxBatchSize: 256, ConcurrentBatches: 2),
            (batch, cancellationToken) => Client.ChargeBatchAsync(batch, cancellationToken),
            meterFactory);
    }

    /// <summary>
    /// A typed client per call: the factory's handlers rotate, as they must for DNS and replica changes.
    /// </summary>
    private PaymentsClient Client => _services.GetRequiredService<PaymentsClient>();

    /// <summary>
    /// The payment, or a <see cref="ServiceDefaults.Http.DependencyUnavailableException"/> when its outcome is
    /// unknown.
    /// </summary>
    public async Task<PaymentInfo> ChargeAsync(ChargeRequest charge, CancellationToken cancellationToken) =>
        (await _charges.SubmitAsync(charge, cancellationToken))();

    public Task<IReadOnlyList<PaymentInfo>> ForOrderAsync(Guid orderId, CancellationToken cancellationToken) =>
        Client.ForOrderAsync(orderId, cancellationToken);

    public Task<PaymentInfo?> GetAsync(Guid paymentId, CancellationToken cancellationToken) =>
        Client.GetAsync(paymentId, cancellationToken);

    public Task<bool> RefundAsync(Guid paymentId, CancellationToken cancellationToken) =>
        Client.RefundAsync(paymentId, cancellationToken);

    public ValueTask DisposeAsync() => _charges.DisposeAsync();
}
