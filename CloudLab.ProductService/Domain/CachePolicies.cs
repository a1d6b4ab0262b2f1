using CloudLab.ServiceDefaults.Caching;

namespace CloudLab.ProductService.Domain;

/// <summary>The catalogue's cache entries with the standard's TTLs (catalogue data: 30 minutes).</summary>
public static class CachePolicies
{
    public static readonly CachePolicy Product = new("product", TimeSpan.FromMinutes(30));
    public static readonly CachePolicy ProductList = new("product-list", TimeSpan.FromMinutes(30));
    public static readonly CachePolicy Category = new("category", TimeSpan.FromMinutes(30));
}
