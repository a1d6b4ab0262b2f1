using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Hybrid;

namespace CloudLab.ReadPeers.MinimalCatalog;

public interface IProductReader
{
    ValueTask<Product?> GetAsync(Guid id, CancellationToken cancellationToken);
}

/// <summary>EF Core on every request.</summary>
public sealed class DatabaseProductReader(IDbContextFactory<CatalogDb> databases) : IProductReader
{
    public async ValueTask<Product?> GetAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var db = await databases.CreateDbContextAsync(cancellationToken);
        return await db.Products.AsNoTracking().FirstOrDefaultAsync(p => p.Id == id, cancellationToken);
    }
}

/// <summary>HybridCache in front of <see cref="DatabaseProductReader"/>, keyed by product id.</summary>
public sealed class CachedProductReader(HybridCache cache, DatabaseProductReader database) : IProductReader
{
    public ValueTask<Product?> GetAsync(Guid id, CancellationToken cancellationToken) =>
        cache.GetOrCreateAsync(
            $"product:{id}",
            (database, id),
            static (state, token) => state.database.GetAsync(state.id, token),
            cancellationToken: cancellationToken);
}
