using CloudLab.PaymentService.Domain;
using CloudLab.PaymentService.Models;
using CloudLab.Tests.Unit.Fakes;

namespace CloudLab.Tests.Unit;

/// <summary>
/// A batch of charges (POST /api/payments/batch): each charge gets its own outcome, and the gateway's answers of one
/// batch are recorded together, once the last of them is in.
/// </summary>
public sealed class PaymentBatchTests : IDisposable
{
    private readonly PaymentHarness _payments = new();

    private FakePaymentStore Store => _payments.Store;
    private FakePaymentGateway Gateway => _payments.Gateway;
    private PaymentProcessor Processor => _payments.Processor;

    public void Dispose() => _payments.Dispose();

    [Fact]
    public async Task A_quick_answer_is_recorded_with_the_slow_one_of_its_batch()
    {
        Gateway.HeldAmount = 20m;
        var batch = Processor.ChargeManyAsync(
            [("order-1", Charge(10m)), ("order-2", Charge(20m))], CancellationToken.None);
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (Volatile.Read(ref Gateway.ChargeCalls) < 2 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(10);
        }

        await Task.Delay(100); // room for a settlement that should not happen yet
        Assert.Equal(2, Gateway.ChargeCalls);
        Assert.All(Store.Payments.Values, payment => Assert.Equal(PaymentStatus.Pending, payment.Status));
        Assert.Empty(Store.Events);

        Gateway.HeldAnswers.SetResult();
        var results = await batch;

        Assert.All(results, result => Assert.Equal(ChargeOutcome.Settled, result.Outcome));
        Assert.All(Store.Payments.Values, payment => Assert.Equal(PaymentStatus.Captured, payment.Status));
        Assert.Equal(2, Store.Events.Count);
    }

    [Fact]
    public async Task A_batch_hands_its_claims_and_then_its_outcomes_to_the_store_as_one_group_each()
    {
        var (settledBefore, _) = await Processor.ChargeAsync("order-2", Charge(10m), CancellationToken.None);

        var results = await Processor.ChargeManyAsync(
            [
                ("order-1", Charge(10m)),
                ("order-2", Charge(10m) with { OrderId = settledBefore.OrderId }),
                ("order-3", Charge(20m)),
            ],
            CancellationToken.None);

        Assert.Equal(
            [ChargeOutcome.Settled, ChargeOutcome.Replayed, ChargeOutcome.Settled],
            results.Select(result => result.Outcome));
        Assert.Equal([3], Store.ClaimGroups);
        // The replay's outcome was known from its claim: only the two charges the gateway answered are settled.
        Assert.Equal([2], Store.SettlementGroups);
    }

    [Fact]
    public async Task Each_charge_of_a_batch_gets_its_own_outcome()
    {
        var (held, _) = await Processor.ChargeAsync("order-2", Charge(10m), CancellationToken.None);
        Gateway.UnansweredAmount = 30m;

        var results = await Processor.ChargeManyAsync(
            [
                ("order-1", Charge(10m)),
                ("order-2", Charge(99m)),
                ("order-2", Charge(10m) with { OrderId = held.OrderId }),
                ("order-3", Charge(30m)),
            ],
            CancellationToken.None);

        Assert.Equal(
            [ChargeOutcome.Settled, ChargeOutcome.KeyReused, ChargeOutcome.Replayed, ChargeOutcome.Unknown],
            results.Select(result => result.Outcome));
        Assert.Equal(PaymentStatus.Captured, results[0].Payment!.Status);
        Assert.Equal(held.Id, results[2].Payment!.Id);
        Assert.Null(results[3].Payment);
        var unanswered = Assert.Single(Store.Payments.Values, payment => payment.Amount == 30m);
        Assert.Equal(PaymentStatus.Pending, unanswered.Status); // left to the recovery job
        Assert.Equal(2, Gateway.ChargeCalls); // order-1 and the first order-2; the replay asked nobody
    }

    private static ChargeRequest Charge(decimal amount) => new(Guid.NewGuid(), Guid.NewGuid(), amount, "USD");
}
