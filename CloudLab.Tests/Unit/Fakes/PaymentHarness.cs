using CloudLab.PaymentService.Data;
using CloudLab.PaymentService.Domain;
using CloudLab.ServiceDefaults.Caching;
using Microsoft.Extensions.DependencyInjection;
using ZiggyCreatures.Caching.Fusion;

namespace CloudLab.Tests.Unit.Fakes;

/// <summary>
/// PaymentService's domain wired as the service wires it, with fakes for its store and the gateway and a memory-only
/// cache.
/// </summary>
internal sealed class PaymentHarness : IDisposable
{
    private readonly ServiceProvider _services;

    public PaymentHarness()
    {
        var services = new ServiceCollection().AddLogging().AddMetrics();
        services.AddFusionCache().AsHybridCache();
        services.AddSingleton<CacheMetrics>();
        services.AddSingleton<ServiceCache>();
        services.AddSingleton<IPaymentStore>(Store);
        services.AddSingleton<IPaymentGateway>(Gateway);
        services.AddSingleton<PaymentProcessor>();
        services.AddSingleton<PendingPaymentRecovery>();
        _services = services.BuildServiceProvider();
    }

    public FakePaymentStore Store { get; } = new();
    public FakePaymentGateway Gateway { get; } = new();

    public PaymentProcessor Processor => _services.GetRequiredService<PaymentProcessor>();
    public PendingPaymentRecovery Recovery => _services.GetRequiredService<PendingPaymentRecovery>();

    public void Dispose() => _services.Dispose();
}
