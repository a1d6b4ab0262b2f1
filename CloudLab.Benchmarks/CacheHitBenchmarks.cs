using BenchmarkDotNet.Attributes;
using CloudLab.ProductService.Domain;
using CloudLab.ProductService.Models;
using CloudLab.ServiceDefaults.Caching;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.DependencyInjection;
using ZiggyCreatures.Caching.Fusion;

namespace CloudLab.Benchmarks;

/// <summary>
/// A read served from memory (L1): the product page's hot path, through each layer CloudLab puts on it.
/// </summary>
[MemoryDiagnoser]
public class CacheHitBenchmarks
{
    private static readonly Product Product = SampleProduct.Lamp;

    private readonly string _key = CachePolicies.Product.Key(Product.Id);
    private ServiceProvider _services = null!;
    private ServiceCache _serviceCache = null!;
    private HybridCache _hybrid = null!;
    private IMemoryCache _memory = null!;

    [GlobalSetup]
    public async Task SetUp()
    {
        var services = new ServiceCollection().AddLogging().AddMetrics();
        services.AddFusionCache().AsHybridCache();
        services.AddSingleton<CacheMetrics>();
        services.AddSingleton<ServiceCache>();
        services.AddMemoryCache();
        _services = services.BuildServiceProvider();
        _serviceCache = _services.GetRequiredService<ServiceCache>();
        _hybrid = _services.GetRequiredService<HybridCache>();
        _memory = _services.GetRequiredService<IMemoryCache>();

        await _serviceCache.SetAsync(CachePolicies.Product, _key, Product);
        await _hybrid.SetAsync(_key, Product, CachePolicies.Product.EntryOptions);
        _memory.Set(_key, Product);
    }

    [GlobalCleanup]
    public void CleanUp() => _services.Dispose();

    [Benchmark(Baseline = true, Description = "IMemoryCache.TryGetValue")]
    public Product? MemoryCache() => _memory.TryGetValue(_key, out Product? product) ? product : null;

    [Benchmark(Description = "HybridCache (FusionCache) hit")]
    public ValueTask<Product> Hybrid() =>
        _hybrid.GetOrCreateAsync(_key, static _ => ValueTask.FromResult(Product), CachePolicies.Product.EntryOptions);

    [Benchmark(Description = "ServiceCache hit (+ hit/miss metrics)")]
    public ValueTask<Product> Service() =>
        _serviceCache.GetOrLoadAsync(CachePolicies.Product, _key, 0, static (_, _) => Task.FromResult(Product));
}
