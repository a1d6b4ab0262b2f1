using System.Text.Json;
using CloudLab.OrderService.Models;
using CloudLab.ServiceDefaults.Data;
using CloudLab.ServiceDefaults.Events;
using CloudLab.ServiceDefaults.Http;

namespace CloudLab.OrderService.Data;

/// <summary>Orders, their items, and the idempotency/saga record of each order request.</summary>
public sealed class OrderStore(Database database, OutboxWriter outbox)
{
    private const string Columns = """
        o.id, o.user_id, o.status, o.total, o.currency, o.payment_id, o.created_at, o.updated_at,
        (SELECT json_agg(json_build_object('productId', i.product_id, 'quantity', i.quantity, 'unitPrice', i.unit_price) ORDER BY i.product_id)
         FROM order_items i WHERE i.order_id = o.id)::text AS items
        """;

    public async Task<Order?> GetAsync(Guid id, CancellationToken cancellationToken) =>
        (await database.QuerySingleOrDefaultAsync<OrderRow>(Query.Read("orders", "get_by_id"), $"SELECT {Columns} FROM orders o WHERE o.id = @id", new { id }, cancellationToken))?.ToOrder();

    public async Task<PagedResult<Order>> ListForUserAsync(Guid userId, PageRequest page, CancellationToken cancellationToken)
    {
        var rows = await database.QueryAsync<OrderRow>(
            Query.Read("orders", "list_by_user"),
            $"SELECT {Columns} FROM orders o WHERE o.user_id = @userId ORDER BY o.created_at DESC, o.id DESC LIMIT @PageSize OFFSET @Offset",
            new { userId, page.PageSize, page.Offset }, cancellationToken);
        var total = await database.ExecuteScalarAsync<long>(
            Query.Read("orders", "count_by_user"), "SELECT count(*) FROM orders WHERE user_id = @userId", new { userId }, cancellationToken);
        return PagedResult.Create(page, rows.Select(row => row.ToOrder()).ToList(), total);
    }

    /// <summary>Takes the (user, key) pair for a new order; when it is taken, returns the earlier request instead.</summary>
    public async Task<OrderRequestRecord?> ClaimRequestAsync(Guid userId, string key, string requestHash, Guid orderId, CancellationToken cancellationToken)
    {
        var claimed = await database.ExecuteAsync(
            Query.Write("order_requests", "claim"),
            """
            INSERT INTO order_requests (user_id, idempotency_key, request_hash, order_id, state)
            VALUES (@userId, @key, @requestHash, @orderId, 'started') ON CONFLICT DO NOTHING
            """,
            new { userId, key, requestHash, orderId }, cancellationToken);
        return claimed == 1 ? null : await database.QuerySingleOrDefaultAsync<OrderRequestRecord>(
            Query.Read("order_requests", "get"),
            "SELECT order_id AS orderid, request_hash AS requesthash, state, failure::text AS failure, created_at AS createdat FROM order_requests WHERE user_id = @userId AND idempotency_key = @key",
            new { userId, key }, cancellationToken);
    }

    /// <summary>The order, its items, its OrderPlaced event and the completed request: one transaction.</summary>
    public Task CompleteAsync(Order order, CancellationToken cancellationToken) =>
        database.InTransactionAsync(async session =>
        {
            await session.ExecuteAsync(
                Query.Write("orders", "insert"),
                """
                INSERT INTO orders (id, user_id, status, total, currency, payment_id, created_at, updated_at)
                VALUES (@Id, @UserId, @Status, @Total, @Currency, @PaymentId, @CreatedAt, @UpdatedAt)
                """,
                order, cancellationToken);
            await session.ExecuteAsync(
                Query.Write("order_items", "insert"),
                "INSERT INTO order_items (order_id, product_id, quantity, unit_price) SELECT @orderId, * FROM unnest(@products, @quantities, @prices)",
                new
                {
                    orderId = order.Id,
                    products = order.Items.Select(item => item.ProductId).ToArray(),
                    quantities = order.Items.Select(item => item.Quantity).ToArray(),
                    prices = order.Items.Select(item => item.UnitPrice).ToArray(),
                },
                cancellationToken);
            await outbox.AddAsync(session, EventTypes.OrderPlaced,
                new OrderPlaced(order.Id, order.UserId, order.Total, order.Currency, Lines(order), order.CreatedAt),
                EventJsonContext.Default.OrderPlaced, cancellationToken);
            await session.ExecuteAsync(
                Query.Write("order_requests", "complete"),
                "UPDATE order_requests SET state = 'completed', updated_at = now() WHERE order_id = @Id", new { order.Id }, cancellationToken);
            return true;
        }, cancellationToken: cancellationToken);

    public Task FailRequestAsync(Guid orderId, OrderFailure failure, CancellationToken cancellationToken) =>
        database.ExecuteAsync(
            Query.Write("order_requests", "fail"),
            "UPDATE order_requests SET state = 'failed', failure = @failure::jsonb, updated_at = now() WHERE order_id = @orderId AND state = 'started'",
            new { orderId, failure = JsonSerializer.Serialize(failure, OrderJsonContext.Default.OrderFailure) }, cancellationToken);

    /// <summary>
    /// Moves an order from one of <paramref name="from"/> to <paramref name="to"/> under a row lock, running
    /// <paramref name="beforeCommit"/> (e.g. refund and release) first: if it throws, the order stays as it was.
    /// Returns the moved order, or null and the status that did not allow the move (null status: no such order).
    /// </summary>
    public Task<(Order? Order, string? Status)> TransitionAsync(
        Guid id, string[] from, string to, Func<Order, Task>? beforeCommit, CancellationToken cancellationToken) =>
        database.InTransactionAsync(async session =>
        {
            var current = (await session.QuerySingleOrDefaultAsync<OrderRow>(
                Query.Write("orders", "lock"), $"SELECT {Columns} FROM orders o WHERE o.id = @id FOR UPDATE", new { id }, cancellationToken))?.ToOrder();
            if (current is null || !from.Contains(current.Status))
            {
                return (null, current?.Status);
            }

            if (beforeCommit is not null)
            {
                await beforeCommit(current);
            }

            var order = (await session.QuerySingleOrDefaultAsync<OrderRow>(
                Query.Write("orders", "transition"),
                $"UPDATE orders o SET status = @to, updated_at = now() WHERE o.id = @id RETURNING {Columns}",
                new { id, to }, cancellationToken))!.ToOrder();
            if (to == OrderStatus.Cancelled)
            {
                await outbox.AddAsync(session, EventTypes.OrderCancelled,
                    new OrderCancelled(order.Id, order.UserId, order.Total, order.Currency, Lines(order), order.UpdatedAt),
                    EventJsonContext.Default.OrderCancelled, cancellationToken);
            }

            return ((Order?)order, (string?)order.Status);
        }, cancellationToken: cancellationToken);

    /// <summary>Sagas that started before <paramref name="olderThan"/> ago and never finished.</summary>
    public Task<IReadOnlyList<Guid>> StalledRequestsAsync(TimeSpan olderThan, CancellationToken cancellationToken) =>
        database.QueryAsync<Guid>(
            Query.Read("order_requests", "list_stalled"),
            "SELECT order_id FROM order_requests WHERE state = 'started' AND created_at < now() - @olderThan ORDER BY created_at LIMIT 100",
            new { olderThan }, cancellationToken);

    private static List<OrderLine> Lines(Order order) =>
        order.Items.Select(item => new OrderLine(item.ProductId, item.Quantity, item.UnitPrice)).ToList();

    private sealed class OrderRow
    {
        public Guid Id { get; init; }
        public Guid UserId { get; init; }
        public string Status { get; init; } = string.Empty;
        public decimal Total { get; init; }
        public string Currency { get; init; } = string.Empty;
        public Guid? PaymentId { get; init; }
        public DateTime CreatedAt { get; init; }
        public DateTime UpdatedAt { get; init; }
        public string? Items { get; init; }

        public Order ToOrder() => new(
            Id, UserId, Status, Total, Currency,
            Items is null ? [] : JsonSerializer.Deserialize(Items, OrderJsonContext.Default.IReadOnlyListOrderItem) ?? [],
            PaymentId, CreatedAt, UpdatedAt);
    }
}

public sealed record OrderRequestRecord(Guid OrderId, string RequestHash, string State, string? Failure, DateTime CreatedAt);
