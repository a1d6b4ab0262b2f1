using System.Globalization;
using CloudLab.AnalyticsService.Data;
using CloudLab.AnalyticsService.Models;
using CloudLab.ServiceDefaults.Caching;

namespace CloudLab.AnalyticsService.Domain;

/// <summary>The reports through the cache: aggregates change with every event, so they are kept for a minute.</summary>
public sealed class AnalyticsReports(AnalyticsStore store, ServiceCache cache)
{
    public ValueTask<SalesReport> SalesAsync(
        DateTime from, DateTime to, string granularity, CancellationToken cancellationToken) =>
        cache.GetOrLoadAsync(
            CachePolicies.Report,
            CachePolicies.Report.Key($"sales:{Stamp(from)}:{Stamp(to)}:{granularity}"),
            (store, from, to, granularity),
            static (state, token) => state.store.SalesAsync(state.from, state.to, state.granularity, token),
            cancellationToken: cancellationToken);

    public ValueTask<TopProductsReport> TopProductsAsync(
        DateTime from, DateTime to, int limit, CancellationToken cancellationToken) =>
        cache.GetOrLoadAsync(
            CachePolicies.Report,
            CachePolicies.Report.Key($"top:{Stamp(from)}:{Stamp(to)}:{limit}"),
            (store, from, to, limit),
            static (state, token) => state.store.TopProductsAsync(state.from, state.to, state.limit, token),
            cancellationToken: cancellationToken);

    public ValueTask<UserSummary?> UserSummaryAsync(Guid userId, CancellationToken cancellationToken) =>
        cache.GetOrLoadAsync(
            CachePolicies.Report, CachePolicies.Report.Key($"user:{userId:N}"), userId, store.UserSummaryAsync,
            cancellationToken: cancellationToken);

    private static string Stamp(DateTime time) => time.ToString("yyyyMMddHHmm", CultureInfo.InvariantCulture);
}
