using CloudLab.PaymentService.Data;
using CloudLab.PaymentService.Domain;
using CloudLab.PaymentService.Models;
using CloudLab.ServiceDefaults.Caching;
using CloudLab.Tests.Unit.Fakes;
using Microsoft.Extensions.DependencyInjection;
using ZiggyCreatures.Caching.Fusion;

namespace CloudLab.Tests.Unit;

/// <summary>
/// A batch of charges (POST /api/payments/batch): each charge gets its own outcome, and the gateway's answers of one
/// batch are recorded together, once the last of them is in.
/// </summary>
public sealed class PaymentBatchTests : IDisposable
{
    private readonly FakePaymentStore _store = new();
    private readonly FakePaymentGateway _gateway = new();
    private readonly ServiceProvider _services;

    public PaymentBatchTests()
    {
        var services = new ServiceCollection().AddLogging().AddMetrics();
        services.AddFusionCache().AsHybridCache();
        services.AddSingleton<CacheMetrics>();
        services.AddSingleton<ServiceCache>();
        services.AddSingleton<IPaymentStore>(_store);
        services.AddSingleton<IPaymentGateway>(_gateway);
        services.AddSingleton<PaymentProcessor>();
        _services = services.BuildServiceProvider();
    }

    private PaymentProcessor Processor => _services.GetRequiredService<PaymentProcessor>();

    public void Dispose() => _services.Dispose();

    [Fact]
    public async Task A_quick_answer_is_recorded_with_the_slow_one_of_its_batch()
    {
        _gateway.HeldAmount = 20m;
        var batch = Processor.ChargeManyAsync(
            [("order-1", Charge(10m)), ("order-2", Charge(20m))], CancellationToken.None);
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (Volatile.Read(ref _gateway.ChargeCalls) < 2 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(10);
        }

        await Task.Delay(100); // room for a settlement that should not happen yet
        Assert.Equal(2, _gateway.ChargeCalls);
        Assert.All(_store.Payments.Values, payment => Assert.Equal(PaymentStatus.Pending, payment.Status));
        Assert.Empty(_store.Events);

        _gateway.HeldAnswers.SetResult();
        var results = await batch;

        Assert.All(results, result => Assert.Equal(ChargeOutcome.Settled, result.Outcome));
        Assert.All(_store.Payments.Values, payment => Assert.Equal(PaymentStatus.Captured, payment.Status));
        Assert.Equal(2, _store.Events.Count);
    }

    [Fact]
    public async Task Each_charge_of_a_batch_gets_its_own_outcome()
    {
        var (held, _) = await Processor.ChargeAsync("order-2", Charge(10m), CancellationToken.None);
        _gateway.UnansweredAmount = 30m;

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
        var unanswered = Assert.Single(_store.Payments.Values, payment => payment.Amount == 30m);
        Assert.Equal(PaymentStatus.Pending, unanswered.Status); // left to the recovery job
        Assert.Equal(2, _gateway.ChargeCalls); // order-1 and the first order-2; the replay asked nobody
    }

    private static ChargeRequest Charge(decimal amount) => new(Guid.NewGuid(), Guid.NewGuid(), amount, "USD");
}
