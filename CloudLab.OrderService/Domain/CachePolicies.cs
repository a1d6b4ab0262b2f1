using CloudLab.ServiceDefaults.Caching;

namespace CloudLab.OrderService.Domain;

/// <summary>The orders' cache entries with the standard's TTL for transactional data (5 minutes).</summary>
public static class CachePolicies
{
    public static readonly CachePolicy Order = new("order", TimeSpan.FromMinutes(5));
    public static readonly CachePolicy OrderList = new("order-list", TimeSpan.FromMinutes(5));
}
