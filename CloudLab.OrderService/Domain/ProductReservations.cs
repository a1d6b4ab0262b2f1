using System.Diagnostics.Metrics;
using CloudLab.OrderService.Models;
using CloudLab.ServiceDefaults.Batching;

namespace CloudLab.OrderService.Domain;

/// <summary>Stock reserved (and priced) or released per order id, idempotent both ways.</summary>
public interface IProductReservations
{
    /// <summary>
    /// The stock of many orders in one call, one result per order in the same order; a
    /// <see cref="ServiceDefaults.Http.DependencyUnavailableException"/> when ProductService did not answer.
    /// </summary>
    Task<IReadOnlyList<ReserveResult>> ReserveManyAsync(
        IReadOnlyList<ReservationRequest> orders, CancellationToken cancellationToken);

    /// <summary>
    /// Gives an order's stock back (nothing, when none was reserved; a late reservation is then refused); a
    /// <see cref="ServiceDefaults.Http.DependencyUnavailableException"/> when ProductService did not answer.
    /// </summary>
    Task ReleaseAsync(Guid orderId, CancellationToken cancellationToken);
}

/// <summary>
/// ProductService's reservations: one HTTP exchange, and one transaction there, for many orders, both ways. Releases
/// wait in a queue of their own (natural batching): they come in storms, when a stalled dependency leaves hundreds of
/// orders unknown at once, and one call each held hundreds of calls and ProductService connections for seconds after
/// the stall had ended (chaos run of 2026-12-01 17:07: orders refused for 12 s after a 5 s PostgreSQL freeze).
/// </summary>
public sealed class ProductReservations : IProductReservations, IAsyncDisposable
{
    private readonly IServiceProvider _services;
    private readonly NaturalBatcher<Guid, bool> _releases;

    public ProductReservations(IServiceProvider services, IMeterFactory meterFactory)
    {
        _services = services;
        _releases = new NaturalBatcher<Guid, bool>(
            new BatchingStage("stock_release", MaxBatchSize: 256, ConcurrentBatches: 1),
            ReleaseBatchAsync,
            meterFactory);
    }

    /// <summary>
    /// A typed client per call: the factory's handlers rotate, as they must for DNS and replica changes.
    /// </summary>
    private ProductCatalogClient Client => _services.GetRequiredService<ProductCatalogClient>();

    public Task<IReadOnlyList<ReserveResult>> ReserveManyAsync(
        IReadOnlyList<ReservationRequest> orders, CancellationToken cancellationToken) =>
        Client.ReserveBatchAsync(orders, cancellationToken);

    public Task ReleaseAsync(Guid orderId, CancellationToken cancellationToken) =>
        _releases.SubmitAsync(orderId, cancellationToken);

    public ValueTask DisposeAsync() => _releases.DisposeAsync();

    private async Task<IReadOnlyList<bool>> ReleaseBatchAsync(
        IReadOnlyList<Guid> orderIds, CancellationToken cancellationToken)
    {
        await Client.ReleaseBatchAsync(orderIds.Distinct().ToList(), cancellationToken);
        return orderIds.Select(_ => true).ToList();
    }
}
