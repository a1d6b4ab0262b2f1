using CloudLab.PaymentService.Models;
using CloudLab.ServiceDefaults.Data;
using CloudLab.ServiceDefaults.Http;
using CloudLab.ServiceDefaults.Messaging;

namespace CloudLab.PaymentService.Data;

/// <summary>Payments: pending under the caller's idempotency key, then settled, then perhaps refunded.</summary>
public interface IPaymentStore
{
    Task<Payment?> GetAsync(Guid id, CancellationToken cancellationToken);

    Task<PagedResult<Payment>> ListForOrderAsync(Guid orderId, PageRequest page, CancellationToken cancellationToken);

    /// <summary>Records a pending payment under its idempotency key, or returns the payment that already holds the key.</summary>
    Task<(Payment Payment, bool Created)> ClaimAsync(string idempotencyKey, ChargeRequest request, CancellationToken cancellationToken);

    /// <summary>Settles a pending payment with its event, if any; a payment settled meanwhile is returned as it is.</summary>
    Task<Payment> SettleAsync(Guid id, string status, string? declineReason, string chargeId, Func<Payment, OutboxEvent?> announce, CancellationToken cancellationToken);

    /// <summary>Marks a captured payment refunded (once) with its event; null when it was not captured.</summary>
    Task<Payment?> MarkRefundedAsync(Guid id, Func<Payment, OutboxEvent> announce, CancellationToken cancellationToken);

    Task<IReadOnlyList<Guid>> StalePendingAsync(TimeSpan olderThan, CancellationToken cancellationToken);
}

public sealed class PaymentStore(Database database, OutboxWriter outbox) : IPaymentStore
{
    private const string Columns =
        "id, order_id AS orderid, user_id AS userid, amount, currency, status, decline_reason AS declinereason, created_at AS createdat, updated_at AS updatedat";

    public Task<Payment?> GetAsync(Guid id, CancellationToken cancellationToken) =>
        database.QuerySingleOrDefaultAsync<Payment>(Query.Read("payments", "get_by_id"), $"SELECT {Columns} FROM payments WHERE id = @id", new { id }, cancellationToken);

    public async Task<PagedResult<Payment>> ListForOrderAsync(Guid orderId, PageRequest page, CancellationToken cancellationToken)
    {
        var items = await database.QueryAsync<Payment>(
            Query.Read("payments", "list_by_order"),
            $"SELECT {Columns} FROM payments WHERE order_id = @orderId ORDER BY created_at DESC LIMIT @PageSize OFFSET @Offset",
            new { orderId, page.PageSize, page.Offset }, cancellationToken);
        var total = await database.ExecuteScalarAsync<long>(
            Query.Read("payments", "count_by_order"), "SELECT count(*) FROM payments WHERE order_id = @orderId", new { orderId }, cancellationToken);
        return PagedResult.Create(page, items, total);
    }

    public async Task<(Payment Payment, bool Created)> ClaimAsync(string idempotencyKey, ChargeRequest request, CancellationToken cancellationToken)
    {
        var created = await database.QuerySingleOrDefaultAsync<Payment>(
            Query.Write("payments", "claim"),
            $"""
            INSERT INTO payments (id, idempotency_key, order_id, user_id, amount, currency, status)
            VALUES (@id, @idempotencyKey, @OrderId, @UserId, @Amount, @Currency, @Pending)
            ON CONFLICT (idempotency_key) DO NOTHING
            RETURNING {Columns}
            """,
            new { id = Guid.CreateVersion7(), idempotencyKey, request.OrderId, request.UserId, request.Amount, request.Currency, PaymentStatus.Pending },
            cancellationToken);
        if (created is not null)
        {
            return (created, true);
        }

        var existing = await database.QuerySingleOrDefaultAsync<Payment>(
            Query.Read("payments", "get_by_key"), $"SELECT {Columns} FROM payments WHERE idempotency_key = @idempotencyKey", new { idempotencyKey }, cancellationToken);
        return (existing!, false);
    }

    public Task<Payment> SettleAsync(
        Guid id, string status, string? declineReason, string chargeId, Func<Payment, OutboxEvent?> announce, CancellationToken cancellationToken) =>
        database.InTransactionAsync(async session =>
        {
            var payment = await session.QuerySingleOrDefaultAsync<Payment>(
                Query.Write("payments", "settle"),
                $"""
                UPDATE payments SET status = @status, decline_reason = @declineReason, gateway_charge = @chargeId, updated_at = now()
                WHERE id = @id AND status = @Pending
                RETURNING {Columns}
                """,
                new { id, status, declineReason, chargeId, PaymentStatus.Pending }, cancellationToken);
            if (payment is null)
            {
                // Settled meanwhile by a concurrent retry or the recovery job: same gateway charge, same outcome.
                return (await session.QuerySingleOrDefaultAsync<Payment>(Query.Read("payments", "get_by_id"), $"SELECT {Columns} FROM payments WHERE id = @id", new { id }, cancellationToken))!;
            }

            if (announce(payment) is { } settled)
            {
                await outbox.AddAsync(session, settled, cancellationToken);
            }

            return payment;
        }, cancellationToken: cancellationToken);

    public Task<Payment?> MarkRefundedAsync(Guid id, Func<Payment, OutboxEvent> announce, CancellationToken cancellationToken) =>
        database.InTransactionAsync(async session =>
        {
            var payment = await session.QuerySingleOrDefaultAsync<Payment>(
                Query.Write("payments", "refund"),
                $"UPDATE payments SET status = @Refunded, updated_at = now() WHERE id = @id AND status = @Captured RETURNING {Columns}",
                new { id, PaymentStatus.Refunded, PaymentStatus.Captured }, cancellationToken);
            if (payment is not null)
            {
                await outbox.AddAsync(session, announce(payment), cancellationToken);
            }

            return payment;
        }, cancellationToken: cancellationToken);

    public Task<IReadOnlyList<Guid>> StalePendingAsync(TimeSpan olderThan, CancellationToken cancellationToken) =>
        database.QueryAsync<Guid>(
            Query.Read("payments", "list_stale_pending"),
            "SELECT id FROM payments WHERE status = @Pending AND created_at < now() - @olderThan ORDER BY created_at LIMIT 100",
            new { olderThan, PaymentStatus.Pending }, cancellationToken);
}
