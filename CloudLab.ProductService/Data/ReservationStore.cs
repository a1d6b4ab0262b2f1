using CloudLab.ProductService.Models;
using CloudLab.ServiceDefaults.Data;

namespace CloudLab.ProductService.Data;

/// <summary>A stock change a reservation or release made, and whether the product's availability flipped with it.</summary>
public sealed record StockChange(Product Product, bool AvailabilityChanged);

/// <summary>
/// The reservations' SQL. Products are locked in id order (no deadlock between two orders sharing products), checked
/// by the caller's rule, and decremented in the same transaction: stock never goes below zero, whatever the concurrency.
/// </summary>
public sealed class ReservationStore(Database database)
{
    private const string ReservedColumns =
        "p.id, p.name, p.description, p.category_id, p.price, p.currency, p.stock, p.status, p.created_at, p.updated_at";

    /// <summary>
    /// Claims <paramref name="orderId"/>, locks the wanted products and asks <paramref name="findShortages"/> what
    /// cannot be had; with no shortage the stock is taken and priced, otherwise nothing changes.
    /// </summary>
    public Task<(ReservationOutcome Outcome, IReadOnlyList<StockChange> Changes)> ReserveAsync(
        Guid orderId,
        IReadOnlyDictionary<Guid, int> wanted,
        Func<IReadOnlyDictionary<Guid, Product>, IReadOnlyList<ShortItem>> findShortages,
        CancellationToken cancellationToken) =>
        database.InTransactionAsync<(ReservationOutcome, IReadOnlyList<StockChange>)>(async session =>
        {
            var claimed = await session.ExecuteAsync(
                Query.Write("reservations", "claim"),
                "INSERT INTO reservations (order_id, status) VALUES (@orderId, @Reserved) ON CONFLICT DO NOTHING",
                new { orderId, ReservationStatus.Reserved }, cancellationToken);
            if (claimed == 0)
            {
                return (await ExistingAsync(session, orderId, cancellationToken), []);
            }

            var ids = wanted.Keys.Order().ToArray();
            var locked = await session.QueryAsync<ProductRow>(
                Query.Write("products", "lock_for_reservation"),
                $"SELECT {ProductStore.Columns} FROM products WHERE id = ANY(@ids) ORDER BY id FOR UPDATE",
                new { ids }, cancellationToken);
            var shortItems = findShortages(locked.ToDictionary(row => row.Id, row => row.ToProduct()));
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

            var lines = updated.OrderBy(row => row.Id)
                .Select(row => new ReservedLine(row.Id, wanted[row.Id], row.Price, row.Currency)).ToList();
            var changes = updated.Select(row => new StockChange(row.ToProduct(), AvailabilityChanged: row.Stock == 0)).ToList();
            var reservation = new Reservation(orderId, ReservationStatus.Reserved, lines);
            return (new ReservationOutcome(reservation, ReservationFailure.None, []), changes);
        }, cancellationToken: cancellationToken);

    /// <summary>Gives the stock back. Idempotent; releasing an unknown order leaves a marker that refuses a late reservation.</summary>
    public Task<IReadOnlyList<StockChange>> ReleaseAsync(Guid orderId, CancellationToken cancellationToken) =>
        database.InTransactionAsync<IReadOnlyList<StockChange>>(async session =>
        {
            var reservedItems = await session.ExecuteScalarAsync<string>(
                Query.Write("reservations", "release"),
                """
                INSERT INTO reservations (order_id, status, released_at) VALUES (@orderId, @Released, now())
                ON CONFLICT (order_id) DO UPDATE SET status = @Released, released_at = now()
                    WHERE reservations.status = @Reserved
                RETURNING (SELECT count(*) FROM reservation_items WHERE order_id = @orderId)::text
                """,
                new { orderId, ReservationStatus.Reserved, ReservationStatus.Released }, cancellationToken);
            if (reservedItems is null or "0")
            {
                return []; // already released, or nothing was ever reserved
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
            return restored.Select(row => new StockChange(row.ToProduct(), AvailabilityChanged: row.Stock == row.Released)).ToList();
        }, cancellationToken: cancellationToken);

    private static async Task<ReservationOutcome> ExistingAsync(DbSession session, Guid orderId, CancellationToken cancellationToken)
    {
        var status = await session.ExecuteScalarAsync<string>(
            Query.Read("reservations", "get_status"), "SELECT status FROM reservations WHERE order_id = @orderId", new { orderId }, cancellationToken);
        if (status == ReservationStatus.Released)
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
        return new ReservationOutcome(new Reservation(orderId, ReservationStatus.Reserved, lines), ReservationFailure.None, []);
    }

    private sealed class ReleasedRow : ProductRow
    {
        public int Released { get; init; }
    }
}
