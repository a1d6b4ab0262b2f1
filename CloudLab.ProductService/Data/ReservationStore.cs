using CloudLab.ProductService.Models;
using CloudLab.ServiceDefaults.Data;
using Dapper;

namespace CloudLab.ProductService.Data;

/// <summary>
/// A stock change a reservation or release made, and whether the product's availability flipped with it.
/// </summary>
public sealed record StockChange(Product Product, bool AvailabilityChanged);

/// <summary>One order's reservation request: quantity wanted per product.</summary>
public sealed record StockRequest(Guid OrderId, IReadOnlyDictionary<Guid, int> Wanted);

/// <summary>
/// The reservations' SQL. Products are locked in id order (no deadlock between two orders sharing products), checked
/// by the caller's rule, and decremented in the same transaction: stock never goes below zero, whatever the
/// concurrency.
/// </summary>
public sealed class ReservationStore(Database database)
{
    private const string ReservedColumns =
        "p.id, p.name, p.description, p.category_id, p.price, p.currency, p.stock, p.status, "
            + "p.created_at, p.updated_at, p.version";

    /// <summary>
    /// Reserves stock for many orders in one transaction. The orders' ids are claimed, every product they want is
    /// locked once in id order, and the orders are served in turn against the stock as it stands after the ones before
    /// them: <paramref name="findShortages"/> decides per order, and one order's shortage fails only that order. An
    /// order id claimed before answers with its earlier reservation (or as released).
    /// </summary>
    public Task<(IReadOnlyList<ReservationOutcome> Outcomes, IReadOnlyList<StockChange> Changes)> ReserveAsync(
        IReadOnlyList<StockRequest> requests,
        Func<IReadOnlyDictionary<Guid, int>, IReadOnlyDictionary<Guid, Product>, IReadOnlyList<ShortItem>>
            findShortages,
        CancellationToken cancellationToken) =>
        database.InTransactionAsync<(IReadOnlyList<ReservationOutcome>, IReadOnlyList<StockChange>)>(async session =>
        {
            // Sorted, as releases take theirs (see ReleaseAsync).
            var orderIds = requests.Select(request => request.OrderId).Distinct().Order().ToArray();
            // The claim and the lock go in one command (one round trip). The lock takes the products of every order,
            // also of one claimed before, which is served its earlier answer and takes nothing (rare: a retry).
            var productIds = requests.SelectMany(request => request.Wanted.Keys).Distinct().Order().ToArray();
            var (claimed, locked) = await session.RunAsync(
                Query.Write("reservations", "claim_and_lock"),
                $"""
                INSERT INTO reservations (order_id, status) SELECT id, @Reserved FROM unnest(@orderIds) AS o(id)
                ON CONFLICT DO NOTHING RETURNING order_id;
                SELECT {ProductStore.Columns} FROM products
                WHERE id = ANY({CachedPlanArray.Of("@productIds", "uuid[]")}) ORDER BY id FOR UPDATE
                """,
                new { orderIds, ReservationStatus.Reserved, productIds },
                static async (connection, command) =>
                {
                    await using var results = await connection.QueryMultipleAsync(command);
                    var claimed = (await results.ReadAsync<Guid>()).ToHashSet();
                    var locked = (await results.ReadAsync<ProductRow>()).ToList();
                    return (claimed, locked);
                },
                cancellationToken);
            var earlier = orderIds.Length == claimed.Count
                ? new Dictionary<Guid, ReservationOutcome>()
                : await ExistingAsync(
                    session, orderIds.Where(id => !claimed.Contains(id)).ToArray(), cancellationToken);

            var stock = locked.ToDictionary(row => row.Id, row => row.ToProduct());
            var before = locked.ToDictionary(row => row.Id, row => row.Stock);

            var outcomes = new ReservationOutcome[requests.Count];
            var served = new Dictionary<Guid, ReservationOutcome>();
            var refused = new List<Guid>();
            var lines = new List<(Guid OrderId, ReservedLine Line)>();
            for (var i = 0; i < requests.Count; i++)
            {
                var request = requests[i];
                if (earlier.TryGetValue(request.OrderId, out var earlierOutcome)
                    || served.TryGetValue(request.OrderId, out earlierOutcome))
                {
                    outcomes[i] = earlierOutcome; // the same order id twice: one answer
                    continue;
                }

                var shortItems = findShortages(request.Wanted, stock);
                if (shortItems.Count > 0)
                {
                    refused.Add(request.OrderId);
                    outcomes[i] = new ReservationOutcome(null, ReservationFailure.ItemsNotAvailable, shortItems);
                    served[request.OrderId] = outcomes[i];
                    continue;
                }

                var reserved = request.Wanted.OrderBy(line => line.Key).Select(line =>
                {
                    var product = stock[line.Key];
                    stock[line.Key] = product with { Stock = product.Stock - line.Value };
                    return new ReservedLine(line.Key, line.Value, product.Price, product.Currency);
                }).ToList();
                lines.AddRange(reserved.Select(line => (request.OrderId, line)));
                outcomes[i] = new ReservationOutcome(
                    new Reservation(request.OrderId, ReservationStatus.Reserved, reserved),
                    ReservationFailure.None,
                    []);
                served[request.OrderId] = outcomes[i];
            }

            if (refused.Count > 0)
            {
                // Give the order ids back: a later attempt with the same id may succeed once stock returns.
                await session.ExecuteAsync(
                    Query.Write("reservations", "unclaim"),
                    "DELETE FROM reservations WHERE order_id = ANY(@refused)",
                    new { refused }, cancellationToken);
            }

            if (lines.Count == 0)
            {
                return (outcomes, []);
            }

            var taken = lines.GroupBy(entry => entry.Line.ProductId)
                .Select(group => (Id: group.Key, Quantity: group.Sum(entry => entry.Line.Quantity))).ToList();
            // The stock and the reserved lines in one statement (one round trip).
            var updated = await session.QueryAsync<ProductRow>(
                Query.Write("products", "reserve_stock"),
                $"""
                WITH lines AS (
                    INSERT INTO reservation_items (order_id, product_id, quantity, unit_price, currency)
                    SELECT * FROM unnest(@orderIds, @productIds, @lineQuantities, @prices, @currencies))
                UPDATE products p SET stock = p.stock - r.quantity, updated_at = now(), version = p.version + 1
                FROM unnest({CachedPlanArray.Of("@ids", "uuid[]")}, {CachedPlanArray.Of("@quantities", "integer[]")})
                    AS r(id, quantity)
                WHERE p.id = r.id
                RETURNING {ReservedColumns}
                """,
                new
                {
                    ids = taken.Select(entry => entry.Id).ToArray(),
                    quantities = taken.Select(entry => entry.Quantity).ToArray(),
                    orderIds = lines.Select(entry => entry.OrderId).ToArray(),
                    productIds = lines.Select(entry => entry.Line.ProductId).ToArray(),
                    lineQuantities = lines.Select(entry => entry.Line.Quantity).ToArray(),
                    prices = lines.Select(entry => entry.Line.UnitPrice).ToArray(),
                    currencies = lines.Select(entry => entry.Line.Currency).ToArray(),
                },
                cancellationToken);

            var changes = updated
                .Select(row => new StockChange(
                    row.ToProduct(), AvailabilityChanged: row.Stock == 0 && before[row.Id] > 0))
                .ToList();
            return (outcomes, changes);
        }, cancellationToken: cancellationToken);

    /// <summary>
    /// Gives the stock of many orders back in one transaction, each product locked once in id order. Idempotent per
    /// order; releasing an unknown order leaves a marker that refuses a late reservation.
    /// </summary>
    public Task<IReadOnlyList<StockChange>> ReleaseAsync(
        IReadOnlyList<Guid> orderIds, CancellationToken cancellationToken) =>
        database.InTransactionAsync<IReadOnlyList<StockChange>>(async session =>
        {
            // Sorted, as reservations claim theirs: two transactions that both wait on order ids the other has
            // written take them in the same order, so they cannot deadlock. Distinct: ON CONFLICT DO UPDATE may touch
            // a row once per statement.
            var ids = orderIds.Distinct().Order().ToArray();
            // The rows that come back are the orders this call released: new markers, or reservations it moved from
            // reserved to released. Their items are read by the statements below, not here: when a reservation of the
            // same order commits while this insert waits on it, the insert goes on to update the committed row, but
            // a subquery here still reads with the snapshot taken before that commit and finds no items. Counting
            // them here once returned "nothing reserved" in that race and the order's stock was never given back
            // (chaos run 2026-11-29 21:32: 5 products 2-3 units short after the PostgreSQL freeze).
            var released = (await session.QueryAsync<Guid>(
                Query.Write("reservations", "release"),
                """
                INSERT INTO reservations (order_id, status, released_at)
                SELECT id, @Released, now() FROM unnest(@ids) AS o(id)
                ON CONFLICT (order_id) DO UPDATE SET status = @Released, released_at = now()
                    WHERE reservations.status = @Reserved
                RETURNING order_id
                """,
                new { ids, ReservationStatus.Reserved, ReservationStatus.Released }, cancellationToken)).ToArray();
            if (released.Length == 0)
            {
                return []; // all released before
            }

            // The lock in id order, then the stock: one round trip, each statement with its own snapshot.
            var restored = await session.RunAsync(
                Query.Write("products", "release_stock"),
                $"""
                SELECT 1 FROM products
                WHERE id IN (SELECT product_id FROM reservation_items WHERE order_id = ANY(@released))
                ORDER BY id FOR UPDATE;
                UPDATE products p SET stock = p.stock + r.quantity, updated_at = now(), version = p.version + 1
                FROM (SELECT product_id, sum(quantity)::int AS quantity FROM reservation_items
                      WHERE order_id = ANY(@released) GROUP BY product_id) AS r
                WHERE p.id = r.product_id
                RETURNING {ReservedColumns}, r.quantity AS released
                """,
                new { released },
                static async (connection, command) =>
                {
                    await using var results = await connection.QueryMultipleAsync(command);
                    await results.ReadAsync<int>();
                    return (await results.ReadAsync<ReleasedRow>()).ToList();
                },
                cancellationToken);
            return restored
                .Select(row => new StockChange(row.ToProduct(), AvailabilityChanged: row.Stock == row.Released))
                .ToList();
        }, cancellationToken: cancellationToken);

    /// <summary>
    /// The answers for order ids reserved or released before: their reservation, or "already released".
    /// </summary>
    private static async Task<Dictionary<Guid, ReservationOutcome>> ExistingAsync(
        DbSession session, Guid[] orderIds, CancellationToken cancellationToken)
    {
        var released = (await session.QueryAsync<Guid>(
            Query.Read("reservations", "get_released"),
            "SELECT order_id FROM reservations WHERE order_id = ANY(@orderIds) AND status = @Released",
            new { orderIds, ReservationStatus.Released }, cancellationToken)).ToHashSet();
        var lines = await session.QueryAsync<ReservedItemRow>(
            Query.Read("reservation_items", "get_by_orders"),
            """
            SELECT order_id AS orderid, product_id AS productid, quantity, unit_price AS unitprice, currency
            FROM reservation_items WHERE order_id = ANY(@orderIds) ORDER BY order_id, product_id
            """,
            new { orderIds }, cancellationToken);
        var linesByOrder = lines.ToLookup(line => line.OrderId);
        return orderIds.ToDictionary(id => id, id => released.Contains(id)
            ? new ReservationOutcome(null, ReservationFailure.AlreadyReleased, [])
            : new ReservationOutcome(
                new Reservation(id, ReservationStatus.Reserved, linesByOrder[id]
                    .Select(line => new ReservedLine(line.ProductId, line.Quantity, line.UnitPrice, line.Currency))
                    .ToList()),
                ReservationFailure.None,
                []));
    }

    private sealed record ReservedItemRow(
        Guid OrderId, Guid ProductId, int Quantity, decimal UnitPrice, string Currency);

    private sealed class ReleasedRow : ProductRow
    {
        public int Released { get; init; }
    }
}
