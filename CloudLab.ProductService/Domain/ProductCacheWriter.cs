using CloudLab.ProductService.Models;
using CloudLab.ServiceDefaults.Caching;

namespace CloudLab.ProductService.Domain;

/// <summary>
/// Writes products' cache entries (their ready JSON) one write after another, in the order they are handed in, and
/// never a product older than the one this process last wrote. Reservation batches, releases and admin updates change
/// the same products concurrently; a write that finished after a newer one would put older stock back in the cache
/// until the entry expires.
/// </summary>
/// <remarks>
/// Callers hand their writes in right after their commit and await the returned task, so a reservation batch does not
/// hold the next batch's transaction while its write runs. With the write inside the batch, the one reservation loop
/// was busy for the transaction and the write (~10 ms and ~6 ms a batch at 500 orders/s), and a reservation call took
/// 30 ms in ProductService. Another replica's writes are not ordered with these: its entries go to Redis and the
/// backplane on their own.
/// </remarks>
public sealed class ProductCacheWriter(ServiceCache cache)
{
    private readonly Lock _order = new();

    /// <summary>The version last written per product; only the writes, one at a time, read and change it.</summary>
    private readonly Dictionary<Guid, long> _written = [];

    private Task _last = Task.CompletedTask;

    /// <summary>A product's cache entry: its JSON and its ETag, so a hit serializes nothing.</summary>
    public static CachedJson Entry(Product product) =>
        CachedJson.Create(product, ProductJsonContext.Default.Product, product.ETag);

    /// <summary>Queues the entries after every write handed in before; completes once they are written.</summary>
    public Task WriteAsync(IReadOnlyCollection<Product> products, CancellationToken cancellationToken)
    {
        lock (_order)
        {
            return _last = WriteAfterAsync(_last, products, cancellationToken);
        }
    }

    private async Task WriteAfterAsync(
        Task previous, IReadOnlyCollection<Product> products, CancellationToken cancellationToken)
    {
        // Whatever became of the write before (its callers see its failure), this one follows it.
        await previous.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        var newer = products
            .GroupBy(product => product.Id)
            .Select(versions => versions.MaxBy(product => product.Version)!)
            .Where(product => !_written.TryGetValue(product.Id, out var written) || written < product.Version)
            .ToList();
        foreach (var product in newer)
        {
            _written[product.Id] = product.Version;
        }

        // Concurrently: the entries are independent, and one at a time would cost a Redis round trip each.
        await Task.WhenAll(newer.Select(product => cache.SetAsync(
            CachePolicies.Product, CachePolicies.Product.Key(product.Id), Entry(product),
            cancellationToken: cancellationToken).AsTask()));
    }
}
