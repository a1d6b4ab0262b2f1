using CloudLab.OrderService.Models;

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

    Task ReleaseAsync(Guid orderId, CancellationToken cancellationToken);
}

/// <summary>ProductService's reservations: one HTTP exchange, and one transaction there, for many orders.</summary>
public sealed class ProductReservations(IServiceProvider services) : IProductReservations
{
    /// <summary>
    /// A typed client per call: the factory's handlers rotate, as they must for DNS and replica changes.
    /// </summary>
    private ProductCatalogClient Client => services.GetRequiredService<ProductCatalogClient>();

    public Task<IReadOnlyList<ReserveResult>> ReserveManyAsync(
        IReadOnlyList<ReservationRequest> orders, CancellationToken cancellationToken) =>
        Client.ReserveBatchAsync(orders, cancellationToken);

    public Task ReleaseAsync(Guid orderId, CancellationToken cancellationToken) =>
        Client.ReleaseAsync(orderId, cancellationToken);
}
