using System.Collections.Concurrent;
using CloudLab.PaymentService.Data;
using CloudLab.PaymentService.Domain;
using CloudLab.PaymentService.Models;
using CloudLab.ServiceDefaults.Http;
using CloudLab.ServiceDefaults.Messaging;

namespace CloudLab.Tests.Unit.Fakes;

/// <summary>IPaymentStore in memory: payments by id and key, and the events their changes announced.</summary>
internal sealed class FakePaymentStore : IPaymentStore
{
    public ConcurrentDictionary<Guid, Payment> Payments { get; } = new();
    public ConcurrentDictionary<string, Guid> Keys { get; } = new();
    public ConcurrentQueue<OutboxEvent> Events { get; } = new();

    /// <summary>The size of each group of claims and of settlements handed in together, in turn.</summary>
    public ConcurrentQueue<int> ClaimGroups { get; } = new();
    public ConcurrentQueue<int> SettlementGroups { get; } = new();

    /// <summary>Reads of one payment a test can hold before they answer.</summary>
    public HeldReads Reads { get; } = new();

    public Task<Payment?> GetAsync(Guid id, CancellationToken cancellationToken) =>
        Reads.AnswerAsync(Payments.GetValueOrDefault(id));

    public Task<PagedResult<Payment>> ListForOrderAsync(
        Guid orderId, Guid? payerId, PageRequest page, CancellationToken cancellationToken)
    {
        var items = Payments.Values
            .Where(payment => payment.OrderId == orderId && (payerId is null || payment.UserId == payerId))
            .ToList();
        return Task.FromResult(PagedResult.Create(page, items, items.Count));
    }

    public Task<(Payment Payment, bool Created)> ClaimAsync(
        string idempotencyKey, ChargeRequest request, CancellationToken cancellationToken)
    {
        var id = Guid.NewGuid();
        if (Keys.GetOrAdd(idempotencyKey, id) != id)
        {
            return Task.FromResult((Payments[Keys[idempotencyKey]], false));
        }

        var now = DateTime.UtcNow;
        var payment = new Payment(
            id,
            request.OrderId!.Value,
            request.UserId!.Value,
            request.Amount!.Value,
            request.Currency,
            PaymentStatus.Pending,
            null,
            now,
            now,
            Version: 1);
        Payments[id] = payment;
        return Task.FromResult((payment, true));
    }

    public IReadOnlyList<Task<(Payment Payment, bool Created)>> ClaimTogether(
        IReadOnlyList<(string IdempotencyKey, ChargeRequest Request)> charges, CancellationToken cancellationToken)
    {
        ClaimGroups.Enqueue(charges.Count);
        return charges.Select(charge => ClaimAsync(charge.IdempotencyKey, charge.Request, cancellationToken)).ToList();
    }

    public IReadOnlyList<Task<Payment>> SettleTogether(IEnumerable<PaymentSettlement> settlements)
    {
        var settled = settlements.Select(SettleAsync).ToList();
        SettlementGroups.Enqueue(settled.Count);
        return settled;
    }

    public Task<Payment> SettleAsync(PaymentSettlement settlement)
    {
        var (pending, status, declineReason, _, announce) = settlement;
        var payment = Payments[pending.Id];
        if (payment.Status != PaymentStatus.Pending)
        {
            return Task.FromResult(payment);
        }

        var settled = payment with
        {
            Status = status, DeclineReason = declineReason, UpdatedAt = DateTime.UtcNow, Version = payment.Version + 1,
        };
        Payments[pending.Id] = settled;
        if (announce(settled) is { } settledEvent)
        {
            Events.Enqueue(settledEvent);
        }

        return Task.FromResult(settled);
    }

    public Task<Payment?> MarkRefundedAsync(
        Guid id, Func<Payment, OutboxEvent> announce, CancellationToken cancellationToken)
    {
        if (Payments[id].Status != PaymentStatus.Captured)
        {
            return Task.FromResult<Payment?>(null);
        }

        var refunded = Payments[id] with { Status = PaymentStatus.Refunded, Version = Payments[id].Version + 1 };
        Payments[id] = refunded;
        Events.Enqueue(announce(refunded));
        return Task.FromResult<Payment?>(refunded);
    }

    public Task<IReadOnlyList<Guid>> StalePendingAsync(TimeSpan olderThan, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<Guid>>(Payments.Values
            .Where(payment => payment.Status == PaymentStatus.Pending)
            .Select(payment => payment.Id)
            .ToList());
}

/// <summary>
/// A card gateway that keeps one charge per payment id, can lose its answers, can be down, can hold the answer for one
/// amount until a gate opens, and can leave one amount unanswered.
/// </summary>
internal sealed class FakePaymentGateway : IPaymentGateway
{
    public ConcurrentDictionary<Guid, GatewayCharge> Charges { get; } = new();
    public int ChargeCalls;
    public bool Down { get; set; }
    public bool LoseAnswers { get; set; }
    public decimal? HeldAmount { get; set; }
    public TaskCompletionSource HeldAnswers { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    public decimal? UnansweredAmount { get; set; }

    public async Task<GatewayCharge> ChargeAsync(
        Guid paymentId, decimal amount, string currency, CancellationToken cancellationToken)
    {
        if (Down || amount == UnansweredAmount)
        {
            throw new DependencyUnavailableException("The payment gateway did not answer.");
        }

        Interlocked.Increment(ref ChargeCalls);
        var charge = Charges.GetOrAdd(
            paymentId, _ => new GatewayCharge("ch_" + paymentId.ToString("N"), GatewayOutcome.Captured, null, false));
        if (amount == HeldAmount)
        {
            await HeldAnswers.Task.WaitAsync(cancellationToken);
        }

        return LoseAnswers ? throw new DependencyUnavailableException("The answer was lost.") : charge;
    }

    public Task<GatewayCharge?> RefundAsync(Guid paymentId, CancellationToken cancellationToken) =>
        Task.FromResult(Charges.TryGetValue(paymentId, out var charge) ? charge with { Refunded = true } : null);
}
