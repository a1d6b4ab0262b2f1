using System.Diagnostics.Metrics;
using CloudLab.ProductService.Data;
using CloudLab.ProductService.Models;
using CloudLab.ServiceDefaults.Batching;

namespace CloudLab.ProductService.Domain;

/// <summary>
/// All-or-nothing stock reservations per order, priced as they are reserved: an order gets every line or none, and
/// only active products with enough stock can be reserved. Reservations arriving together are made in one transaction
/// (natural batching); the new stock goes into the cache after the commit, before the reservation is answered.
/// </summary>
/// <remarks>
/// The cache write stays inside the batch, though the next batch's transaction then waits for it. Handed to the writer
/// and awaited outside the batch, a write could come later after its commit, and two replicas reserving the same
/// product could then land their writes in Redis in the other order than their commits (the integration test of mixed
/// outcomes saw a product cached two units short in two of six runs). In the batch, a replica's write follows its
/// commit at once, and the next replica's commit waits on the product's row lock.
/// </remarks>
public sealed class StockReservations : IAsyncDisposable
{
    private readonly ReservationStore _store;
    private readonly Catalog _catalog;
    private readonly NaturalBatcher<StockRequest, ReservationOutcome> _reservations;

    public StockReservations(ReservationStore store, Catalog catalog, IMeterFactory meterFactory)
    {
        _store = store;
        _catalog = catalog;
        // One batch at a time: reservations are served in the order they arrived, across batches too, so the orders of
        // one batch request are served in turn (two concurrent batches could let a later order take the last unit).
        _reservations = new NaturalBatcher<StockRequest, ReservationOutcome>(
            new BatchingStage("stock_reservation", MaxBatchSize: 256, ConcurrentBatches: 1),
            ReserveBatchAsync,
            meterFactory);
    }

    /// <summary>
    /// Reserves in the next batch; a request whose caller gave up before its batch started is left out (nothing is
    /// reserved for it, and the caller's release of that order then leaves the marker that refuses it later).
    /// </summary>
    public Task<ReservationOutcome> ReserveAsync(
        Guid orderId, IReadOnlyList<ReservationItem> items, CancellationToken cancellationToken)
    {
        var wanted = items.GroupBy(item => item.ProductId!.Value)
            .ToDictionary(group => group.Key, group => group.Sum(item => item.Quantity!.Value));
        return _reservations.SubmitAsync(new StockRequest(orderId, wanted), cancellationToken);
    }

    public async Task ReleaseAsync(Guid orderId, CancellationToken cancellationToken) =>
        await _catalog.StockChangedAsync(await _store.ReleaseAsync(orderId, cancellationToken), cancellationToken);

    public ValueTask DisposeAsync() => _reservations.DisposeAsync();

    /// <summary>
    /// The lines that cannot be reserved: unknown products, products not for sale, and too little stock.
    /// </summary>
    public static IReadOnlyList<ShortItem> FindShortages(
        IReadOnlyDictionary<Guid, int> wanted, IReadOnlyDictionary<Guid, Product> found) =>
        wanted.OrderBy(line => line.Key)
            .Select(line => found.TryGetValue(line.Key, out var product)
                ? product.Status != ProductStatus.Active
                    ? new ShortItem(line.Key, line.Value, 0, ShortItemReason.NotForSale)
                    : product.Stock < line.Value
                        ? new ShortItem(line.Key, line.Value, product.Stock, ShortItemReason.InsufficientStock)
                        : null
                : new ShortItem(line.Key, line.Value, 0, ShortItemReason.UnknownProduct))
            .OfType<ShortItem>()
            .ToList();

    private async Task<IReadOnlyList<ReservationOutcome>> ReserveBatchAsync(
        IReadOnlyList<StockRequest> requests, CancellationToken cancellationToken)
    {
        var (outcomes, changes) = await _store.ReserveAsync(requests, FindShortages, cancellationToken);
        await _catalog.StockChangedAsync(changes, cancellationToken);
        return outcomes;
    }
}
