using CloudLab.ServiceDefaults.Caching;

namespace CloudLab.PaymentService.Domain;

/// <summary>The payments' cache entries with the standard's TTL for transactional data (5 minutes).</summary>
public static class CachePolicies
{
    public static readonly CachePolicy Payment = new("payment", TimeSpan.FromMinutes(5));
}
