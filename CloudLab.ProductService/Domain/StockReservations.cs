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
/// The batch loop hands the cache write in and goes on to the next batch; each reservation is answered once its
/// batch's write is done. With the write inside the batch, the one reservation loop was busy for the transaction and
/// the write, and a reservation call took 30.4 ms in ProductService at 500 orders/s; outside it, 23.4–25.9 ms
/// (round 7's `pipe1` and `pipe2` reports). A write may then come after a later commit's write, of this replica (the
/// writer keeps their order) or of the other (the products' versions do: <see cref="ProductCacheWriter"/>).
/// </remarks>
public sealed class StockReservations : IAsyncDisposable
{
    private readonly ReservationStore _store;
    private readonly Catalog _catalog;
    private readonly NaturalBatcher<StockRequest, Reserved> _reservations;
    private readonly NaturalBatcher<Guid, Task> _releases;

    public StockReservations(ReservationStore store, Catalog catalog, IMeterFactory meterFactory)
    {
        _store = store;
        _catalog = catalog;
        // One batch at a time: reservations are served in the order they arrived, across batches too, so the orders of
        // one batch request are served in turn (two concurrent batches could let a later order take the last unit).
        _reservations = new NaturalBatcher<StockRequest, Reserved>(
            new BatchingStage("stock_reservation", MaxBatchSize: 256, ConcurrentBatches: 1),
            ReserveBatchAsync,
            meterFactory);
        // Releases come in storms: after a dependency stall OrderService gives back hundreds of orders' stock at once,
        // mostly of the same few products. One transaction each queued them on those rows' locks and held a
        // connection apiece while they waited: in a chaos run the pool ran dry and product reads timed out for 12 s
        // after a 5 s PostgreSQL freeze had ended. Batched, they lock each product once per batch.
        _releases = new NaturalBatcher<Guid, Task>(
            new BatchingStage("stock_release", MaxBatchSize: ReservationBatchRequest.MaxOrders, ConcurrentBatches: 1),
            ReleaseBatchAsync,
            meterFactory);
    }

    /// <summary>
    /// Reserves in the next batch; a request whose caller gave up before its batch started is left out (nothing is
    /// reserved for it, and the caller's release of that order then leaves the marker that refuses it later).
    /// </summary>
    public async Task<ReservationOutcome> ReserveAsync(
        Guid orderId, IReadOnlyList<ReservationItem> items, CancellationToken cancellationToken)
    {
        var reserved = await _reservations.SubmitAsync(Request(orderId, items), cancellationToken);
        await reserved.Cached;
        return reserved.Outcome;
    }

    /// <summary>
    /// Many orders, queued together so that one batch (one transaction) takes them all; each order keeps its own
    /// outcome, as <see cref="ReserveAsync"/> gives it.
    /// </summary>
    public async Task<IReadOnlyList<ReservationOutcome>> ReserveManyAsync(
        IReadOnlyList<(Guid OrderId, IReadOnlyList<ReservationItem> Items)> orders,
        CancellationToken cancellationToken)
    {
        var reserved = await Task.WhenAll(_reservations.SubmitTogether(
            orders.Select(order => Request(order.OrderId, order.Items)), cancellationToken));
        await Task.WhenAll(reserved.Select(one => one.Cached).Distinct());
        return reserved.Select(one => one.Outcome).ToList();
    }

    /// <summary>
    /// Gives an order's stock back in the next release batch, answered once the new stock is in the cache.
    /// Idempotent; releasing an order never reserved leaves the marker that refuses its late reservation.
    /// </summary>
    public async Task ReleaseAsync(Guid orderId, CancellationToken cancellationToken) =>
        await await _releases.SubmitAsync(orderId, cancellationToken);

    public Task ReleaseManyAsync(IEnumerable<Guid> orderIds, CancellationToken cancellationToken) =>
        Task.WhenAll(orderIds.Distinct().Select(orderId => ReleaseAsync(orderId, cancellationToken)));

    public async ValueTask DisposeAsync()
    {
        await _reservations.DisposeAsync();
        await _releases.DisposeAsync();
    }

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

    private static StockRequest Request(Guid orderId, IReadOnlyList<ReservationItem> items) =>
        new(orderId, items.GroupBy(item => item.ProductId!.Value)
            .ToDictionary(group => group.Key, group => group.Sum(item => item.Quantity!.Value)));

    private async Task<IReadOnlyList<Reserved>> ReserveBatchAsync(
        IReadOnlyList<StockRequest> requests, CancellationToken cancellationToken)
    {
        var (outcomes, changes) = await _store.ReserveAsync(requests, FindShortages, cancellationToken);
        var cached = _catalog.StockChangedAsync(changes, cancellationToken);
        return outcomes.Select(outcome => new Reserved(outcome, cached)).ToList();
    }

    private async Task<IReadOnlyList<Task>> ReleaseBatchAsync(
        IReadOnlyList<Guid> orderIds, CancellationToken cancellationToken)
    {
        var changes = await _store.ReleaseAsync(orderIds, cancellationToken);
        var cached = _catalog.StockChangedAsync(changes, cancellationToken);
        return orderIds.Select(_ => cached).ToList();
    }

    /// <summary>A reservation made, and its batch's cache write, which it is answered after.</summary>
    private sealed record Reserved(ReservationOutcome Outcome, Task Cached);
}
