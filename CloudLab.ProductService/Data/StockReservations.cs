using CloudLab.ProductService.Models;
using CloudLab.ServiceDefaults.Data;

namespace CloudLab.ProductService.Data;

/// <summary>
/// All-or-nothing stock reservations per order, priced as they are reserved. The products are locked in id order (no deadlock between two orders
/// sharing products), checked, and decremented in one transaction: stock never goes below zero, whatever the concurrency.
/// </summary>
public sealed class StockReservations(Database database, Catalog catalog)
{
    private const string ReservedColumns = "p.id, p.name, p.description, p.category_id, p.price, p.currency, p.stock, p.status, p.created_at, p.updated_at";

    public async Task<ReservationOutcome> ReserveAsync(Guid orderId, IReadOnlyList<ReservationItem> items, CancellationToken cancellationToken)
    {
        var wanted = items.GroupBy(item => item.ProductId!.Value)
            .ToDictionary(group => group.Key, group => group.Sum(item => item.Quantity!.Value));

        var (outcome, changed) = await database.InTransactionAsync(async session =>
        {
            var claimed = await session.ExecuteAsync(
                Query.Write("reservations", "claim"),
                "INSERT INTO reservations (order_id, status) VALUES (@orderId, 'reserved') ON CONFLICT DO NOTHING",
                new { orderId }, cancellationToken);
            if (claimed == 0)
            {
                return (await ExistingAsync(session, orderId, cancellationToken), Array.Empty<(Product, bool)>());
            }

            var ids = wanted.Keys.Order().ToArray();
            var locked = await session.QueryAsync<ProductRow>(
                Query.Write("products", "lock_for_reservation"),
                $"SELECT {ProductStore.Columns} FROM products WHERE id = ANY(@ids) ORDER BY id FOR UPDATE",
                new { ids }, cancellationToken);
            var byId = locked.ToDictionary(row => row.Id);
            var shortItems = ids
                .Select(id => byId.TryGetValue(id, out var row)
                    ? row.Status != "active" ? new ShortItem(id, wanted[id], 0, "not_for_sale")
                    : row.Stock < wanted[id] ? new ShortItem(id, wanted[id], row.Stock, "insufficient_stock")
                    : null
                    : new ShortItem(id, wanted[id], 0, "unknown_product"))
                .OfType<ShortItem>()
                .ToList();
            if (shortItems.Count > 0)
            {
                // Give the order id back: a later attempt with the same id may succeed once stock returns.
                await session.ExecuteAsync(
                    Query.Write("reservations", "unclaim"), "DELETE FROM reservations WHERE order_id = @orderId", new { orderId }, cancellationToken);
                return (new ReservationOutcome(null, ReservationFailure.ItemsNotAvailable, shortItems), []);
            }

            var quantities = ids.Select(id => wanted[id]).ToArray();
            var updated = await session.QueryAsync<ProductRow>(
                Query.Write("products", "reserve_stock"),
                $"""
                UPDATE products p SET stock = p.stock - r.quantity, updated_at = now()
                FROM unnest(@ids, @quantities) AS r(id, quantity)
                WHERE p.id = r.id
                RETURNING {ReservedColumns}
                """,
                new { ids, quantities }, cancellationToken);
            await session.ExecuteAsync(
                Query.Write("reservation_items", "insert"),
                """
                INSERT INTO reservation_items (order_id, product_id, quantity, unit_price, currency)
                SELECT @orderId, p.id, r.quantity, p.price, p.currency
                FROM unnest(@ids, @quantities) AS r(id, quantity) JOIN products p ON p.id = r.id
                """,
                new { orderId, ids, quantities }, cancellationToken);

            var lines = updated.OrderBy(row => row.Id).Select(row => new ReservedLine(row.Id, wanted[row.Id], row.Price, row.Currency)).ToList();
            var changes = updated.Select(row => (row.ToProduct(), AvailabilityChanged: row.Stock == 0)).ToArray();
            return (new ReservationOutcome(new Reservation(orderId, "reserved", lines), ReservationFailure.None, []), changes);
        }, cancellationToken: cancellationToken);

        await catalog.StockChangedAsync(changed, cancellationToken);
        return outcome;
    }

    /// <summary>Gives the stock back. Idempotent; releasing an unknown order leaves a marker that refuses a late reservation.</summary>
    public async Task ReleaseAsync(Guid orderId, CancellationToken cancellationToken)
    {
        var changed = await database.InTransactionAsync(async session =>
        {
            var status = await session.ExecuteScalarAsync<string>(
                Query.Write("reservations", "release"),
                """
                INSERT INTO reservations (order_id, status, released_at) VALUES (@orderId, 'released', now())
                ON CONFLICT (order_id) DO UPDATE SET status = 'released', released_at = now()
                    WHERE reservations.status = 'reserved'
                RETURNING (SELECT count(*) FROM reservation_items WHERE order_id = @orderId)::text
                """,
                new { orderId }, cancellationToken);
            if (status is null or "0")
            {
                return Array.Empty<(Product, bool)>(); // already released, or nothing was ever reserved
            }

            await session.ExecuteAsync(
                Query.Write("products", "lock_for_release"),
                "SELECT 1 FROM products WHERE id IN (SELECT product_id FROM reservation_items WHERE order_id = @orderId) ORDER BY id FOR UPDATE",
                new { orderId }, cancellationToken);
            var restored = await session.QueryAsync<ReleasedRow>(
                Query.Write("products", "release_stock"),
                $"""
                UPDATE products p SET stock = p.stock + ri.quantity, updated_at = now()
                FROM reservation_items ri
                WHERE ri.order_id = @orderId AND p.id = ri.product_id
                RETURNING {ReservedColumns}, ri.quantity AS released
                """,
                new { orderId }, cancellationToken);
            return restored.Select(row => (row.ToProduct(), AvailabilityChanged: row.Stock == row.Released)).ToArray();
        }, cancellationToken: cancellationToken);

        await catalog.StockChangedAsync(changed, cancellationToken);
    }

    private sealed class ReleasedRow : ProductRow
    {
        public int Released { get; init; }
    }

    private static async Task<ReservationOutcome> ExistingAsync(DbSession session, Guid orderId, CancellationToken cancellationToken)
    {
        var status = await session.ExecuteScalarAsync<string>(
            Query.Read("reservations", "get_status"), "SELECT status FROM reservations WHERE order_id = @orderId", new { orderId }, cancellationToken);
        if (status == "released")
        {
            return new ReservationOutcome(null, ReservationFailure.AlreadyReleased, []);
        }

        var lines = await session.QueryAsync<ReservedLine>(
            Query.Read("reservation_items", "get_by_order"),
            """
            SELECT product_id AS productid, quantity, unit_price AS unitprice, currency
            FROM reservation_items WHERE order_id = @orderId ORDER BY product_id
            """,
            new { orderId }, cancellationToken);
        return new ReservationOutcome(new Reservation(orderId, "reserved", lines), ReservationFailure.None, []);
    }
}
