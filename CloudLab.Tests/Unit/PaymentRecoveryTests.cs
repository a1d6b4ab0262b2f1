using CloudLab.Contracts;
using CloudLab.PaymentService.Domain;
using CloudLab.PaymentService.Models;
using CloudLab.ServiceDefaults.Http;
using CloudLab.Tests.Unit.Fakes;

namespace CloudLab.Tests.Unit;

/// <summary>
/// Charges are made once per key, and a charge whose answer was lost is settled by PendingPaymentRecovery.
/// </summary>
public sealed class PaymentRecoveryTests : IDisposable
{
    private readonly PaymentHarness _payments = new();

    private FakePaymentStore Store => _payments.Store;
    private FakePaymentGateway Gateway => _payments.Gateway;
    private PaymentProcessor Processor => _payments.Processor;
    private PendingPaymentRecovery Recovery => _payments.Recovery;

    public void Dispose() => _payments.Dispose();

    [Fact]
    public async Task A_lost_answer_leaves_the_payment_pending_and_recovery_records_the_charge_that_landed()
    {
        Gateway.LoseAnswers = true;
        await Assert.ThrowsAsync<DependencyUnavailableException>(
            () => Processor.ChargeAsync("order-1", Charge(), CancellationToken.None));
        var pending = Assert.Single(Store.Payments.Values);
        Assert.Equal(PaymentStatus.Pending, pending.Status);

        Gateway.LoseAnswers = false;
        await Recovery.SweepAsync(CancellationToken.None);

        Assert.Equal(PaymentStatus.Captured, Store.Payments[pending.Id].Status);
        Assert.Single(Gateway.Charges); // asked twice, charged once
        Assert.Equal(EventTypes.PaymentCaptured, Assert.Single(Store.Events).Type);
    }

    [Fact]
    public async Task Recovery_leaves_a_payment_pending_while_the_gateway_is_down()
    {
        Gateway.Down = true;
        await Assert.ThrowsAsync<DependencyUnavailableException>(
            () => Processor.ChargeAsync("order-1", Charge(), CancellationToken.None));

        await Recovery.SweepAsync(CancellationToken.None);

        Assert.Equal(PaymentStatus.Pending, Assert.Single(Store.Payments.Values).Status);
        Assert.Empty(Store.Events);
    }

    [Fact]
    public async Task The_same_key_is_one_charge_and_a_different_charge_under_it_is_refused()
    {
        var request = Charge();
        var (first, firstOutcome) = await Processor.ChargeAsync("order-1", request, CancellationToken.None);
        var (again, againOutcome) = await Processor.ChargeAsync("order-1", request, CancellationToken.None);
        var (_, otherOutcome) = await Processor.ChargeAsync(
            "order-1", request with { Amount = 99m }, CancellationToken.None);

        Assert.Equal(
            (ChargeOutcome.Settled, ChargeOutcome.Replayed, ChargeOutcome.KeyReused),
            (firstOutcome, againOutcome, otherOutcome));
        Assert.Equal(first.Id, again.Id);
        Assert.Equal(1, Gateway.ChargeCalls);
    }

    [Fact]
    public async Task A_refund_is_made_once_and_announced_once()
    {
        var (payment, _) = await Processor.ChargeAsync("order-1", Charge(), CancellationToken.None);

        var refunded = await Processor.RefundAsync(payment, CancellationToken.None);
        var again = await Processor.RefundAsync(refunded!, CancellationToken.None);

        Assert.Equal(PaymentStatus.Refunded, again?.Status);
        Assert.Single(Store.Events, outboxEvent => outboxEvent.Type == EventTypes.PaymentRefunded);
    }

    private static ChargeRequest Charge() => new(Guid.NewGuid(), Guid.NewGuid(), 25m, "USD");
}
