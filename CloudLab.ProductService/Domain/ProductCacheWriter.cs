using System.Diagnostics.Metrics;
using CloudLab.ProductService.Models;
using CloudLab.ServiceDefaults.Batching;
using CloudLab.ServiceDefaults.Caching;

namespace CloudLab.ProductService.Domain;

/// <summary>
/// Writes products' cache entries (their ready JSON) in the order they are handed in, and never a product older than
/// the one this process last wrote. Reservation batches, releases and admin updates change the same products
/// concurrently; a write that finished after a newer one would put older stock back in the cache until the entry
/// expires.
/// </summary>
/// <remarks>
/// The writes run as natural batches, one at a time: that keeps their order, and what is handed in while a batch runs
/// goes into the next, once per product, so a slow Redis (each write up to the cache's 500 ms timeout) makes the writes
/// wait one batch, not one per earlier write. Another replica's writes of the same products are ordered with these in
/// Redis by <see cref="ServiceCache.SetNewestAsync{T}"/>, on the products' versions.
/// </remarks>
public sealed class ProductCacheWriter : IAsyncDisposable
{
    private readonly ServiceCache _cache;
    private readonly NaturalBatcher<Product, bool> _writes;

    /// <summary>The version last written per product; only the batches, one at a time, read and change it.</summary>
    private readonly Dictionary<Guid, long> _written = [];

    public ProductCacheWriter(ServiceCache cache, IMeterFactory meterFactory)
    {
        _cache = cache;
        _writes = new NaturalBatcher<Product, bool>(
            new BatchingStage("product_cache_write", MaxBatchSize: 1024, ConcurrentBatches: 1),
            WriteBatchAsync,
            meterFactory);
    }

    /// <summary>A product's cache entry: its JSON and its ETag, so a hit serializes nothing.</summary>
    public static CachedJson Entry(Product product) =>
        CachedJson.Create(product, ProductJsonContext.Default.Product, product.Version);

    /// <summary>
    /// Queues the entries after every write handed in before; completes once they are written (or a newer version of
    /// the same product is). Queued before this returns, so a caller that awaits later still keeps its place.
    /// </summary>
    public Task WriteAsync(IReadOnlyCollection<Product> products) =>
        // Not the caller's token: the change is committed, and its entry is written whether the caller waits or not.
        Task.WhenAll(_writes.SubmitTogether(products, CancellationToken.None));

    public ValueTask DisposeAsync() => _writes.DisposeAsync();

    private async Task<IReadOnlyList<bool>> WriteBatchAsync(
        IReadOnlyList<Product> products, CancellationToken cancellationToken)
    {
        var newer = products
            .GroupBy(product => product.Id)
            .Select(versions => versions.MaxBy(product => product.Version)!)
            .Where(product => !_written.TryGetValue(product.Id, out var written) || written < product.Version)
            .ToList();
        foreach (var product in newer)
        {
            _written[product.Id] = product.Version;
        }

        await _cache.SetNewestAsync(
            CachePolicies.Product,
            [.. newer.Select(product => new VersionedEntry<CachedJson>(
                CachePolicies.Product.Key(product.Id), product.Version, Entry(product)))],
            cancellationToken);
        return products.Select(_ => true).ToList();
    }
}
