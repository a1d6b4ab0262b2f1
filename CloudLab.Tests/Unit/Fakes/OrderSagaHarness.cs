using CloudLab.OrderService.Data;
using CloudLab.OrderService.Domain;
using CloudLab.ServiceDefaults.Caching;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using ZiggyCreatures.Caching.Fusion;

namespace CloudLab.Tests.Unit.Fakes;

/// <summary>
/// OrderService's domain wired as the service wires it, with fakes for the store and the two remote services and a
/// memory-only cache: the saga's decisions tested without a network.
/// </summary>
internal sealed class OrderSagaHarness : IDisposable
{
    private readonly ServiceProvider _services;

    /// <param name="concurrentBatches">Placement batches at once; by default the service's own default.</param>
    public OrderSagaHarness(int? concurrentBatches = null)
    {
        var placement = new PlacementOptions();
        placement.ConcurrentBatches = concurrentBatches ?? placement.ConcurrentBatches;
        var services = new ServiceCollection().AddLogging().AddMetrics();
        services.AddFusionCache().AsHybridCache();
        services.AddSingleton<CacheMetrics>();
        services.AddSingleton<ServiceCache>();
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(Store);
        services.AddSingleton<IOrderStore>(Store);
        services.AddSingleton<IProductReservations>(Products);
        services.AddSingleton<IPayments>(Payments);
        services.AddSingleton(Options.Create(new SagaOptions { RecoverAfter = TimeSpan.Zero }));
        services.AddSingleton(Options.Create(placement));
        services.AddSingleton<OrderReads>();
        services.AddTransient<OrderCompensation>();
        services.AddSingleton<OrderPlacement>();
        services.AddTransient<OrderLifecycle>();
        services.AddSingleton<SagaRecovery>();
        services.AddSingleton<CancelledOrderRecovery>();
        _services = services.BuildServiceProvider();
    }

    public FakeOrderStore Store { get; } = new();
    public FakeProductReservations Products { get; } = new();
    public FakePayments Payments { get; } = new();

    public OrderPlacement Placement => _services.GetRequiredService<OrderPlacement>();
    public OrderLifecycle Lifecycle => _services.GetRequiredService<OrderLifecycle>();
    public SagaRecovery SagaRecovery => _services.GetRequiredService<SagaRecovery>();
    public CancelledOrderRecovery CancelledOrderRecovery => _services.GetRequiredService<CancelledOrderRecovery>();

    // The placement's batching loop is disposed asynchronously only.
    public void Dispose() => _services.DisposeAsync().AsTask().GetAwaiter().GetResult();
}
