using System.Diagnostics.Metrics;
using Dapper;
using CloudLab.PaymentService.Models;
using CloudLab.ServiceDefaults.Batching;
using CloudLab.ServiceDefaults.Data;
using CloudLab.ServiceDefaults.Http;
using CloudLab.ServiceDefaults.Messaging;

namespace CloudLab.PaymentService.Data;

/// <summary>Payments: pending under the caller's idempotency key, then settled, then perhaps refunded.</summary>
public interface IPaymentStore
{
    Task<Payment?> GetAsync(Guid id, CancellationToken cancellationToken);

    /// <summary>
    /// An order's payments, newest first; only <paramref name="payerId"/>'s when it is set (filtered in SQL).
    /// </summary>
    Task<PagedResult<Payment>> ListForOrderAsync(
        Guid orderId, Guid? payerId, PageRequest page, CancellationToken cancellationToken);

    /// <summary>
    /// Records a pending payment under its idempotency key, or returns the payment that already holds the key.
    /// </summary>
    Task<(Payment Payment, bool Created)> ClaimAsync(
        string idempotencyKey, ChargeRequest request, CancellationToken cancellationToken);

    /// <summary>
    /// <see cref="ClaimAsync"/> for many charges, queued together so that they are claimed in one statement; one
    /// result per charge, in order.
    /// </summary>
    IReadOnlyList<Task<(Payment Payment, bool Created)>> ClaimTogether(
        IReadOnlyList<(string IdempotencyKey, ChargeRequest Request)> charges, CancellationToken cancellationToken);

    /// <summary>
    /// Settles a pending payment with its event, if any; a payment settled meanwhile is returned as it is. No
    /// cancellation: the gateway has answered, and its outcome is kept whether the caller waits or not.
    /// </summary>
    Task<Payment> SettleAsync(PaymentSettlement settlement);

    /// <summary>
    /// <see cref="SettleAsync"/> for many payments, queued together so that they are settled in one transaction; one
    /// result per settlement, in order.
    /// </summary>
    IReadOnlyList<Task<Payment>> SettleTogether(IEnumerable<PaymentSettlement> settlements);

    /// <summary>Marks a captured payment refunded (once) with its event; null when it was not captured.</summary>
    Task<Payment?> MarkRefundedAsync(Guid id, Func<Payment, OutboxEvent> announce, CancellationToken cancellationToken);

    Task<IReadOnlyList<Guid>> StalePendingAsync(TimeSpan olderThan, CancellationToken cancellationToken);
}

/// <summary>
/// The payments' SQL. Claims and settlements of concurrent charges are batched (natural batching): each batch is one
/// statement or one transaction, whatever the number of charges in it.
/// </summary>
public sealed class PaymentStore : IPaymentStore, IAsyncDisposable
{
    private const string Columns = """
        id, order_id AS orderid, user_id AS userid, amount, currency, status, decline_reason AS declinereason,
        created_at AS createdat, updated_at AS updatedat, version
        """;

    private readonly Database _database;
    private readonly OutboxWriter _outbox;
    private readonly NaturalBatcher<Claim, (Payment, bool)> _claims;
    private readonly NaturalBatcher<PaymentSettlement, Payment> _settlements;

    public PaymentStore(Database database, OutboxWriter outbox, IMeterFactory meterFactory)
    {
        _database = database;
        _outbox = outbox;
        _claims = new NaturalBatcher<Claim, (Payment, bool)>(
            new BatchingStage("payment_claim"), ClaimBatchAsync, meterFactory);
        _settlements = new NaturalBatcher<PaymentSettlement, Payment>(
            new BatchingStage("payment_settle"), SettleBatchAsync, meterFactory);
    }

    public Task<Payment?> GetAsync(Guid id, CancellationToken cancellationToken) =>
        _database.QuerySingleOrDefaultAsync<Payment>(
            Query.Read("payments", "get_by_id"),
            $"SELECT {Columns} FROM payments WHERE id = @id",
            new { id },
            cancellationToken);

    public async Task<PagedResult<Payment>> ListForOrderAsync(
        Guid orderId, Guid? payerId, PageRequest page, CancellationToken cancellationToken)
    {
        // The payer filter is part of the query, so pages and totals count only what the caller may see.
        var items = await _database.QueryAsync<Payment>(
            Query.Read("payments", "list_by_order"),
            $"""
            SELECT {Columns} FROM payments
            WHERE order_id = @orderId AND (@payerId::uuid IS NULL OR user_id = @payerId)
            ORDER BY created_at DESC LIMIT @PageSize OFFSET @Offset
            """,
            new { orderId, payerId, page.PageSize, page.Offset }, cancellationToken);
        var total = await _database.ExecuteScalarAsync<long>(
            Query.Read("payments", "count_by_order"),
            """
            SELECT count(*) FROM payments
            WHERE order_id = @orderId AND (@payerId::uuid IS NULL OR user_id = @payerId)
            """,
            new { orderId, payerId },
            cancellationToken);
        return PagedResult.Create(page, items, total);
    }

    public Task<(Payment Payment, bool Created)> ClaimAsync(
        string idempotencyKey, ChargeRequest request, CancellationToken cancellationToken) =>
        _claims.SubmitAsync(new Claim(Guid.CreateVersion7(), idempotencyKey, request), cancellationToken);

    public IReadOnlyList<Task<(Payment Payment, bool Created)>> ClaimTogether(
        IReadOnlyList<(string IdempotencyKey, ChargeRequest Request)> charges, CancellationToken cancellationToken) =>
        _claims.SubmitTogether(
            charges.Select(charge => new Claim(Guid.CreateVersion7(), charge.IdempotencyKey, charge.Request)),
            cancellationToken);

    public Task<Payment> SettleAsync(PaymentSettlement settlement) =>
        _settlements.SubmitAsync(settlement, CancellationToken.None);

    public IReadOnlyList<Task<Payment>> SettleTogether(IEnumerable<PaymentSettlement> settlements) =>
        _settlements.SubmitTogether(settlements, CancellationToken.None);

    public async ValueTask DisposeAsync()
    {
        await _claims.DisposeAsync();
        await _settlements.DisposeAsync();
    }

    /// <summary>
    /// Pending payments for many charges in one statement; a key held already (by an earlier request, or twice in this
    /// batch) answers with the payment that holds it.
    /// </summary>
    private async Task<IReadOnlyList<(Payment, bool)>> ClaimBatchAsync(
        IReadOnlyList<Claim> claims, CancellationToken cancellationToken)
    {
        var created = (await _database.QueryAsync<Payment>(
            Query.Write("payments", "claim"),
            $"""
            INSERT INTO payments (id, idempotency_key, order_id, user_id, amount, currency, status)
            SELECT id, idempotency_key, order_id, user_id, amount, currency, @Pending
            FROM unnest(@ids, @keys, @orderIds, @userIds, @amounts, @currencies)
                AS c(id, idempotency_key, order_id, user_id, amount, currency)
            ON CONFLICT (idempotency_key) DO NOTHING
            RETURNING {Columns}
            """,
            new
            {
                ids = claims.Select(claim => claim.Id).ToArray(),
                keys = claims.Select(claim => claim.Key).ToArray(),
                orderIds = claims.Select(claim => claim.Request.OrderId!.Value).ToArray(),
                userIds = claims.Select(claim => claim.Request.UserId!.Value).ToArray(),
                amounts = claims.Select(claim => claim.Request.Amount!.Value).ToArray(),
                currencies = claims.Select(claim => claim.Request.Currency).ToArray(),
                PaymentStatus.Pending,
            },
            cancellationToken)).ToDictionary(payment => payment.Id);
        var heldKeys = claims
            .Where(claim => !created.ContainsKey(claim.Id))
            .Select(claim => claim.Key)
            .Distinct()
            .ToArray();
        var held = heldKeys.Length == 0
            ? new Dictionary<string, Payment>()
            : (await _database.RunAsync(
                Query.Read("payments", "get_by_keys"),
                $"SELECT {Columns}, idempotency_key AS key FROM payments WHERE idempotency_key = ANY(@heldKeys)",
                new { heldKeys },
                static (connection, command) => connection.QueryAsync<Payment, string, (Payment Payment, string Key)>(
                    command, static (payment, key) => (payment, key), splitOn: "key"),
                cancellationToken)).ToDictionary(row => row.Key, row => row.Payment);
        return claims
            .Select(claim => created.TryGetValue(claim.Id, out var payment)
                ? (payment, true)
                : (held[claim.Key], false))
            .ToList();
    }

    /// <summary>
    /// Outcomes for many payments in one statement, with their events: a payment settled meanwhile (by a concurrent
    /// retry or the recovery job: same gateway charge, same outcome) is left as it is, without an event, and returned
    /// as it is.
    /// </summary>
    /// <remarks>
    /// One statement is one round trip and its own transaction. As a transaction of two statements (the update, then
    /// the events made from the rows it returned) it took three round trips on the charge call's path: begin with the
    /// update, the events, commit. The events are made beforehand from the pending payments as they will read once
    /// settled, with the settle time taken here; the statement writes those of the rows it did change.
    /// </remarks>
    private async Task<IReadOnlyList<Payment>> SettleBatchAsync(
        IReadOnlyList<PaymentSettlement> settlements, CancellationToken cancellationToken)
    {
        var now = AsStored(DateTime.UtcNow);
        var distinct = settlements.DistinctBy(settlement => settlement.Pending.Id).ToList();
        var events = distinct
            .Select(settlement => (settlement.Pending.Id, Event: settlement.Announce(settlement.Pending with
            {
                Status = settlement.Status,
                DeclineReason = settlement.DeclineReason,
                UpdatedAt = now,
            })))
            .Where(entry => entry.Event is not null)
            .Select(entry => (entry.Id, entry.Event!))
            .ToList();
        var outbox = OutboxWriter.InsertManyForChanged(events, changedRows: "settled");
        var parameters = new DynamicParameters(new
        {
            ids = distinct.Select(settlement => settlement.Pending.Id).ToArray(),
            statuses = distinct.Select(settlement => settlement.Status).ToArray(),
            declineReasons = distinct.Select(settlement => settlement.DeclineReason).ToArray(),
            chargeIds = distinct.Select(settlement => settlement.ChargeId).ToArray(),
            PaymentStatus.Pending,
            now,
        });
        parameters.AddDynamicParams(outbox.Parameters);
        var settled = (await _database.QueryAsync<Payment>(
            Query.Write("payments", "settle"),
            $"""
            WITH settled AS (
                UPDATE payments p SET status = s.outcome, decline_reason = s.reason, gateway_charge = s.charge,
                    updated_at = @now, version = p.version + 1
                FROM unnest(@ids, @statuses, @declineReasons, @chargeIds) AS s(payment_id, outcome, reason, charge)
                WHERE p.id = s.payment_id AND p.status = @Pending
                RETURNING {Columns}),
            announced AS ({outbox.Sql})
            SELECT * FROM settled
            """,
            parameters,
            cancellationToken)).ToDictionary(payment => payment.Id);
        if (events.Count > 0 && settled.Count > 0)
        {
            _outbox.EventsCommitted();
        }

        var otherIds = distinct
            .Select(settlement => settlement.Pending.Id)
            .Where(id => !settled.ContainsKey(id))
            .ToArray();
        if (otherIds.Length > 0)
        {
            foreach (var payment in await _database.QueryAsync<Payment>(
                Query.Read("payments", "get_by_ids"), $"SELECT {Columns} FROM payments WHERE id = ANY(@otherIds)",
                new { otherIds }, cancellationToken))
            {
                settled[payment.Id] = payment;
            }
        }

        return settlements.Select(settlement => settled[settlement.Pending.Id]).ToList();
    }

    /// <summary>A time as PostgreSQL's timestamptz keeps it (microseconds): the event says what the row says.</summary>
    private static DateTime AsStored(DateTime time) =>
        new(time.Ticks - time.Ticks % TimeSpan.TicksPerMicrosecond, DateTimeKind.Utc);

    public Task<Payment?> MarkRefundedAsync(
        Guid id, Func<Payment, OutboxEvent> announce, CancellationToken cancellationToken) =>
        _database.InTransactionAsync(async session =>
        {
            var payment = await session.QuerySingleOrDefaultAsync<Payment>(
                Query.Write("payments", "refund"),
                $"""
                UPDATE payments SET status = @Refunded, updated_at = now(), version = version + 1
                WHERE id = @id AND status = @Captured
                RETURNING {Columns}
                """,
                new { id, PaymentStatus.Refunded, PaymentStatus.Captured }, cancellationToken);
            if (payment is not null)
            {
                await _outbox.AddAsync(session, announce(payment), cancellationToken);
            }

            return payment;
        }, cancellationToken: cancellationToken);

    public Task<IReadOnlyList<Guid>> StalePendingAsync(TimeSpan olderThan, CancellationToken cancellationToken) =>
        _database.QueryAsync<Guid>(
            Query.Read("payments", "list_stale_pending"),
            """
            SELECT id FROM payments WHERE status = @Pending AND created_at < now() - @olderThan
            ORDER BY created_at LIMIT 100
            """,
            new { olderThan, PaymentStatus.Pending }, cancellationToken);

    private sealed record Claim(Guid Id, string Key, ChargeRequest Request);
}
