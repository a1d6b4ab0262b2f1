using System.Diagnostics.Metrics;
using CloudLab.OrderService.Models;
using CloudLab.ServiceDefaults.Batching;

namespace CloudLab.OrderService.Domain;

/// <summary>Stock reserved (and priced) or released per order id, idempotent both ways.</summary>
public interface IProductReservations
{
    Task<ReserveResult> ReserveAsync(ReservationRequest request, CancellationToken cancellationToken);

    Task ReleaseAsync(Guid orderId, CancellationToken cancellationToken);
}

/// <summary>
/// Reservations of the orders being placed at the same moment go to ProductService in one call (natural batching):
/// one HTTP exchange and one transaction there for the whole batch, and each order still gets its own answer.
/// </summary>
public sealed class ProductReservations : IProductReservations, IAsyncDisposable
{
    private readonly IServiceProvider _services;
    private readonly NaturalBatcher<ReservationRequest, ReserveResult> _reservations;

    public ProductReservations(IServiceProvider services, IMeterFactory meterFactory)
    {
        _services = services;
        // Two batches in flight: the next one leaves while the previous waits for its answer.
        _reservations = new NaturalBatcher<ReservationRequest, ReserveResult>(
            new BatchingStage("reserve_call", MaxBatchSize: 256, ConcurrentBatches: 2),
            (batch, cancellationToken) => Client.ReserveBatchAsync(batch, cancellationToken),
            meterFactory);
    }

    /// <summary>
    /// A typed client per call: the factory's handlers rotate, as they must for DNS and replica changes.
    /// </summary>
    private ProductCatalogClient Client => _services.GetRequiredService<ProductCatalogClient>();

    public Task<ReserveResult> ReserveAsync(ReservationRequest request, CancellationToken cancellationToken) =>
        _reservations.SubmitAsync(request, cancellationToken);

    public Task ReleaseAsync(Guid orderId, CancellationToken cancellationToken) =>
        Client.ReleaseAsync(orderId, cancellationToken);

    public ValueTask DisposeAsync() => _reservations.DisposeAsync();
}
