using CloudLab.OrderService.Models;

namespace CloudLab.OrderService.Domain;

/// <summary>
/// Charges and refunds for orders. A charge carries the order id as its key: retried, it charges once.
/// </summary>
public interface IPayments
{
    /// <summary>
    /// Many charges in one call, one outcome per charge in the same order: the payment, or (when invoked) a
    /// <see cref="ServiceDefaults.Http.DependencyUnavailableException"/> when that charge's outcome is unknown. The
    /// whole call throws it when PaymentService did not answer.
    /// </summary>
    Task<IReadOnlyList<Func<PaymentInfo>>> ChargeManyAsync(
        IReadOnlyList<ChargeRequest> charges, CancellationToken cancellationToken);

    Task<IReadOnlyList<PaymentInfo>> ForOrderAsync(Guid orderId, CancellationToken cancellationToken);

    /// <summary>The payment as PaymentService holds it now; null when it knows no such payment.</summary>
    Task<PaymentInfo?> GetAsync(Guid paymentId, CancellationToken cancellationToken);

    /// <summary>
    /// Refunds a captured payment (a refunded one is fine too); false when the payment cannot be refunded.
    /// </summary>
    Task<bool> RefundAsync(Guid paymentId, CancellationToken cancellationToken);
}

/// <summary>
/// PaymentService's charges: one HTTP exchange for many; the gateway behind it is still asked once per charge,
/// concurrently.
/// </summary>
public sealed class Payments(IServiceProvider services) : IPayments
{
    /// <summary>
    /// A typed client per call: the factory's handlers rotate, as they must for DNS and replica changes.
    /// </summary>
    private PaymentsClient Client => services.GetRequiredService<PaymentsClient>();

    public Task<IReadOnlyList<Func<PaymentInfo>>> ChargeManyAsync(
        IReadOnlyList<ChargeRequest> charges, CancellationToken cancellationToken) =>
        Client.ChargeBatchAsync(charges, cancellationToken);

    public Task<IReadOnlyList<PaymentInfo>> ForOrderAsync(Guid orderId, CancellationToken cancellationToken) =>
        Client.ForOrderAsync(orderId, cancellationToken);

    public Task<PaymentInfo?> GetAsync(Guid paymentId, CancellationToken cancellationToken) =>
        Client.GetAsync(paymentId, cancellationToken);

    public Task<bool> RefundAsync(Guid paymentId, CancellationToken cancellationToken) =>
        Client.RefundAsync(paymentId, cancellationToken);
}
