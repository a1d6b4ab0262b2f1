using System.Diagnostics.Metrics;
using CloudLab.ProductService.Domain;
using CloudLab.ProductService.Models;
using CloudLab.ServiceDefaults.Caching;
using CloudLab.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace CloudLab.Tests.Unit;

/// <summary>
/// Products' cache entries are written in the order they are handed in, and never older than the last one written:
/// reservations, releases and admin updates of one product run concurrently. Redis is unreachable here, so the memory
/// level shows what was written.
/// </summary>
public sealed class ProductCacheWriterTests : IAsyncLifetime
{
    private static readonly Guid ProductId = Guid.NewGuid();

    private readonly IHost _host;
    private readonly ServiceCache _cache;
    private readonly ProductCacheWriter _writer;

    public ProductCacheWriterTests()
    {
        _host = OfflineCache.CreateHost(("Caching:DistributedTimeout", "00:00:00.100"));
        _cache = _host.Services.GetRequiredService<ServiceCache>();
        _writer = new ProductCacheWriter(_cache, _host.Services.GetRequiredService<IMeterFactory>());
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await _writer.DisposeAsync();
        _host.Dispose();
    }

    [Fact]
    public async Task A_write_older_than_the_last_one_written_leaves_the_newer_entry()
    {
        await _writer.WriteAsync([Version(7, stock: 3)]);
        await _writer.WriteAsync([Version(6, stock: 5)]); // a release that committed earlier

        Assert.Equal(Version(7, stock: 3).ETag, (await CachedAsync()).ETag);
    }

    [Fact]
    public async Task Writes_handed_in_together_land_in_the_order_handed_in_and_the_newest_of_a_batch_wins()
    {
        var writes = Enumerable.Range(1, 20)
            .Select(version => _writer.WriteAsync(
                [Version(version * 2, stock: 100 - version), Version((version * 2) - 1, stock: 101 - version)]))
            .ToList();
        await Task.WhenAll(writes);

        Assert.Equal(Version(40, stock: 80).ETag, (await CachedAsync()).ETag);
    }

    private static Product Version(long version, int stock) =>
        new(ProductId, "Lamp", "A lamp", Guid.Empty, 10m, "EUR", stock, ProductStatus.Active, DateTime.UnixEpoch,
            DateTime.UnixEpoch, version);

    private async Task<CachedJson> CachedAsync() =>
        (await _cache.GetOrLoadAsync<int, CachedJson?>(
            CachePolicies.Product,
            CachePolicies.Product.Key(ProductId),
            0,
            static (_, _) => Task.FromResult<CachedJson?>(null)))!;
}
