using System.Text.Json;
using CloudLab.OrderService.Models;
using CloudLab.ServiceDefaults.Data;
using CloudLab.ServiceDefaults.Http;
using CloudLab.ServiceDefaults.Messaging;

namespace CloudLab.OrderService.Data;

/// <summary>The earlier request that holds an (user, Idempotency-Key) pair.</summary>
public sealed record OrderRequestRecord(Guid OrderId, string RequestHash, string State, string? Failure, DateTime CreatedAt);

/// <summary>A status change: from one of <paramref name="From"/> to <paramref name="To"/>, with its event if any.</summary>
public sealed record OrderTransition(
    IReadOnlyCollection<string> From, string To, OutboxEvent? Event = null, bool CompensationDue = false);

/// <summary>Orders, their items, and the idempotency/saga record of each order request.</summary>
public interface IOrderStore
{
    Task<Order?> GetAsync(Guid id, CancellationToken cancellationToken);

    Task<PagedResult<Order>> ListForUserAsync(Guid userId, PageRequest page, CancellationToken cancellationToken);

    /// <summary>Takes the (user, key) pair for a new order; when it is taken, returns the earlier request instead.</summary>
    Task<OrderRequestRecord?> ClaimRequestAsync(
        Guid userId, string key, string requestHash, Guid orderId, CancellationToken cancellationToken);

    /// <summary>The order, its items, its event and the completed request: one transaction.</summary>
    Task CompleteAsync(Order order, OutboxEvent placed, CancellationToken cancellationToken);

    Task FailRequestAsync(Guid orderId, OrderFailure failure, CancellationToken cancellationToken);

    /// <summary>
    /// Applies <paramref name="transition"/> under the order's row lock, with its event in the same transaction. Local
    /// work only: no remote call runs under the lock. Returns the moved order, or null and the status that did not
    /// allow the move (null status: no such order).
    /// </summary>
    Task<(Order? Order, string? Status)> TransitionAsync(Guid id, OrderTransition transition, CancellationToken cancellationToken);

    /// <summary>Sagas that started before <paramref name="olderThan"/> ago and never finished.</summary>
    Task<IReadOnlyList<Guid>> StalledRequestsAsync(TimeSpan olderThan, CancellationToken cancellationToken);

    /// <summary>Cancelled orders whose stock or money has not been confirmed given back for <paramref name="olderThan"/>.</summary>
    Task<IReadOnlyList<Order>> CompensationDueAsync(TimeSpan olderThan, CancellationToken cancellationToken);

    Task CompensationDoneAsync(Guid id, CancellationToken cancellationToken);
}

public sealed class OrderStore(Database database, OutboxWriter outbox) : IOrderStore
{
    private const string Columns = """
        o.id, o.user_id, o.status, o.total, o.currency, o.payment_id, o.created_at, o.updated_at,
        (SELECT json_agg(json_build_object('productId', i.product_id, 'quantity', i.quantity, 'unitPrice', i.unit_price)
                         ORDER BY i.product_id)
         FROM order_items i WHERE i.order_id = o.id)::text AS items
        """;

    public async Task<Order?> GetAsync(Guid id, CancellationToken cancellationToken) =>
        (await database.QuerySingleOrDefaultAsync<OrderRow>(
            Query.Read("orders", "get_by_id"), $"SELECT {Columns} FROM orders o WHERE o.id = @id", new { id }, cancellationToken))?.ToOrder();

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

    public async Task<OrderRequestRecord?> ClaimRequestAsync(
        Guid userId, string key, string requestHash, Guid orderId, CancellationToken cancellationToken)
    {
        var claimed = await database.ExecuteAsync(
            Query.Write("order_requests", "claim"),
            """
            INSERT INTO order_requests (user_id, idempotency_key, request_hash, order_id, state)
            VALUES (@userId, @key, @requestHash, @orderId, @Started) ON CONFLICT DO NOTHING
            """,
            new { userId, key, requestHash, orderId, OrderRequestState.Started }, cancellationToken);
        return claimed == 1 ? null : await database.QuerySingleOrDefaultAsync<OrderRequestRecord>(
            Query.Read("order_requests", "get"),
            """
            SELECT order_id AS orderid, request_hash AS requesthash, state, failure::text AS failure, created_at AS createdat
            FROM order_requests WHERE user_id = @userId AND idempotency_key = @key
            """,
            new { userId, key }, cancellationToken);
    }

    public Task CompleteAsync(Order order, OutboxEvent placed, CancellationToken cancellationToken) =>
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
            await outbox.AddAsync(session, placed, cancellationToken);
            await session.ExecuteAsync(
                Query.Write("order_requests", "complete"),
                "UPDATE order_requests SET state = @Completed, updated_at = now() WHERE order_id = @Id",
                new { order.Id, OrderRequestState.Completed }, cancellationToken);
            return true;
        }, cancellationToken: cancellationToken);

    public Task FailRequestAsync(Guid orderId, OrderFailure failure, CancellationToken cancellationToken) =>
        database.ExecuteAsync(
            Query.Write("order_requests", "fail"),
            """
            UPDATE order_requests SET state = @Failed, failure = @failure::jsonb, updated_at = now()
            WHERE order_id = @orderId AND state = @Started
            """,
            new
            {
                orderId,
                failure = JsonSerializer.Serialize(failure, OrderJsonContext.Default.OrderFailure),
                OrderRequestState.Failed,
                OrderRequestState.Started,
            },
            cancellationToken);

    public Task<(Order? Order, string? Status)> TransitionAsync(Guid id, OrderTransition transition, CancellationToken cancellationToken) =>
        database.InTransactionAsync(async session =>
        {
            var current = await session.ExecuteScalarAsync<string>(
                Query.Write("orders", "lock"), "SELECT status FROM orders WHERE id = @id FOR UPDATE", new { id }, cancellationToken);
            if (current is null || !transition.From.Contains(current))
            {
                return (null, current);
            }

            var order = (await session.QuerySingleOrDefaultAsync<OrderRow>(
                Query.Write("orders", "transition"),
                $"""
                UPDATE orders o SET status = @To, compensation_due = @CompensationDue, updated_at = now()
                WHERE o.id = @id RETURNING {Columns}
                """,
                new { id, transition.To, transition.CompensationDue }, cancellationToken))!.ToOrder();
            if (transition.Event is { } announcement)
            {
                await outbox.AddAsync(session, announcement, cancellationToken);
            }

            return ((Order?)order, (string?)order.Status);
        }, cancellationToken: cancellationToken);

    public Task<IReadOnlyList<Guid>> StalledRequestsAsync(TimeSpan olderThan, CancellationToken cancellationToken) =>
        database.QueryAsync<Guid>(
            Query.Read("order_requests", "list_stalled"),
            """
            SELECT order_id FROM order_requests WHERE state = @Started AND created_at < now() - @olderThan
            ORDER BY created_at LIMIT 100
            """,
            new { olderThan, OrderRequestState.Started }, cancellationToken);

    public async Task<IReadOnlyList<Order>> CompensationDueAsync(TimeSpan olderThan, CancellationToken cancellationToken) =>
        (await database.QueryAsync<OrderRow>(
            Query.Read("orders", "list_compensation_due"),
            $"SELECT {Columns} FROM orders o WHERE o.compensation_due AND o.updated_at < now() - @olderThan ORDER BY o.updated_at LIMIT 100",
            new { olderThan }, cancellationToken)).Select(row => row.ToOrder()).ToList();

    public Task CompensationDoneAsync(Guid id, CancellationToken cancellationToken) =>
        database.ExecuteAsync(
            Query.Write("orders", "compensation_done"),
            "UPDATE orders SET compensation_due = false WHERE id = @id AND compensation_due",
            new { id }, cancellationToken);

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
