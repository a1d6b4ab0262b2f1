using CloudLab.ProductService.Data;
using CloudLab.ProductService.Models;

namespace CloudLab.ProductService.Domain;

/// <summary>
/// All-or-nothing stock reservations per order, priced as they are reserved: an order gets every line or none, and
/// only active products with enough stock can be reserved. The new stock goes into the cache after the commit.
/// </summary>
public sealed class StockReservations(ReservationStore store, Catalog catalog)
{
    public async Task<ReservationOutcome> ReserveAsync(Guid orderId, IReadOnlyList<ReservationItem> items, CancellationToken cancellationToken)
    {
        var wanted = items.GroupBy(item => item.ProductId!.Value)
            .ToDictionary(group => group.Key, group => group.Sum(item => item.Quantity!.Value));
        var (outcome, changes) = await store.ReserveAsync(orderId, wanted, found => FindShortages(wanted, found), cancellationToken);
        await catalog.StockChangedAsync(changes, cancellationToken);
        return outcome;
    }

    public async Task ReleaseAsync(Guid orderId, CancellationToken cancellationToken) =>
        await catalog.StockChangedAsync(await store.ReleaseAsync(orderId, cancellationToken), cancellationToken);

    /// <summary>The lines that cannot be reserved: unknown products, products not for sale, and too little stock.</summary>
    public static IReadOnlyList<ShortItem> FindShortages(IReadOnlyDictionary<Guid, int> wanted, IReadOnlyDictionary<Guid, Product> found) =>
        wanted.OrderBy(line => line.Key)
            .Select(line => found.TryGetValue(line.Key, out var product)
                ? product.Status != ProductStatus.Active ? new ShortItem(line.Key, line.Value, 0, ShortItemReason.NotForSale)
                : product.Stock < line.Value ? new ShortItem(line.Key, line.Value, product.Stock, ShortItemReason.InsufficientStock)
                : null
                : new ShortItem(line.Key, line.Value, 0, ShortItemReason.UnknownProduct))
            .OfType<ShortItem>()
            .ToList();
}
