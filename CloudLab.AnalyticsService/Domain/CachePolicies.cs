using CloudLab.ServiceDefaults.Caching;

namespace CloudLab.AnalyticsService.Domain;

/// <summary>The reports' cache entries.</summary>
public static class CachePolicies
{
    /// <summary>Aggregates change with every event; a minute of staleness is what dashboards tolerate.</summary>
    public static readonly CachePolicy Report = new("analytics", TimeSpan.FromMinutes(1), TimeSpan.FromSeconds(30));
}
