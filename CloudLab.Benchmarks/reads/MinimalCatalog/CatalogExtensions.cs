using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Hybrid;

namespace CloudLab.ReadPeers.MinimalCatalog;

public static class CatalogExtensions
{
    public static void AddCatalog(this WebApplicationBuilder builder)
    {
        var database = builder.Configuration.GetConnectionString("productdb")
            ?? throw new InvalidOperationException("ConnectionStrings:productdb is not set.");
        // A pooled factory: a cache hit never rents a DbContext, a miss rents one from the pool.
        builder.Services.AddPooledDbContextFactory<CatalogDb>(options => options.UseNpgsql(database));
        builder.Services.AddSingleton<DatabaseProductReader>();

        if (!builder.Configuration.GetValue("Cache:Enabled", true))
        {
            builder.Services.AddSingleton<IProductReader>(sp => sp.GetRequiredService<DatabaseProductReader>());
            return;
        }

        builder.Services.AddStackExchangeRedisCache(options =>
        {
            options.Configuration = builder.Configuration.GetConnectionString("redis")
                ?? throw new InvalidOperationException("ConnectionStrings:redis is not set.");
            options.InstanceName = "readpeer:"; // apart from CloudLab's keys in the same Redis
        });
        // CloudLab keeps catalogue entries 30 minutes; so does this peer, in memory and in Redis.
        builder.Services.AddHybridCache(options => options.DefaultEntryOptions = new HybridCacheEntryOptions
        {
            Expiration = TimeSpan.FromMinutes(30),
            LocalCacheExpiration = TimeSpan.FromMinutes(30),
        });
        builder.Services.AddSingleton<IProductReader, CachedProductReader>();
    }
}
