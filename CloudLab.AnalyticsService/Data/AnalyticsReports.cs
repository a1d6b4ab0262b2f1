using System.Globalization;
using CloudLab.AnalyticsService.Models;
using CloudLab.ServiceDefaults.Caching;

namespace CloudLab.AnalyticsService.Data;

/// <summary>The reports through the cache: aggregates change with every event, so they are kept for a minute.</summary>
public sealed class AnalyticsReports(AnalyticsStore store, ServiceCache cache)
{
    public ValueTask<SalesReport> SalesAsync(DateTime from, DateTime to, string granularity, CancellationToken cancellationToken) =>
        cache.GetOrCreateAsync(
            CachePolicies.Analytics, CachePolicies.Analytics.Key($"sales:{Stamp(from)}:{Stamp(to)}:{granularity}"), (store, from, to, granularity),
            static (state, token) => new ValueTask<SalesReport>(state.store.SalesAsync(state.from, state.to, state.granularity, token)),
            cancellationToken: cancellationToken);

    public ValueTask<TopProductsReport> TopProductsAsync(DateTime from, DateTime to, int limit, CancellationToken cancellationToken) =>
        cache.GetOrCreateAsync(
            CachePolicies.Analytics, CachePolicies.Analytics.Key($"top:{Stamp(from)}:{Stamp(to)}:{limit}"), (store, from, to, limit),
            static (state, token) => new ValueTask<TopProductsReport>(state.store.TopProductsAsync(state.from, state.to, state.limit, token)),
            cancellationToken: cancellationToken);

    public ValueTask<UserSummary?> UserSummaryAsync(Guid userId, CancellationToken cancellationToken) =>
        cache.GetOrCreateAsync(
            CachePolicies.Analytics, CachePolicies.Analytics.Key($"user:{userId:N}"), (store, userId),
            static (state, token) => new ValueTask<UserSummary?>(state.store.UserSummaryAsync(state.userId, token)),
            cancellationToken: cancellationToken);

    private static string Stamp(DateTime time) => time.ToString("yyyyMMddHHmm", CultureInfo.InvariantCulture);
}
