using System.Globalization;
using CloudLab.AnalyticsService.Data;
using CloudLab.AnalyticsService.Models;
using CloudLab.ServiceDefaults.Caching;

namespace CloudLab.AnalyticsService.Domain;

/// <summary>The reports through the cache: aggregates change with every event, so they are kept for a minute.</summary>
public sealed class AnalyticsReports(AnalyticsStore store, ServiceCache cache)
{
    public ValueTask<CachedJson> SalesJsonAsync(
        DateTime from, DateTime to, string granularity, CancellationToken cancellationToken) =>
        cache.GetOrLoadAsync(
            CachePolicies.Report,
            CachePolicies.Report.Key($"sales:{Stamp(from)}:{Stamp(to)}:{granularity}"),
            (store, from, to, granularity),
            static async (state, token) => CachedJson.Create(
                await state.store.SalesAsync(state.from, state.to, state.granularity, token),
                AnalyticsJsonContext.Default.SalesReport),
            cancellationToken: cancellationToken);

    public ValueTask<CachedJson> TopProductsJsonAsync(
        DateTime from, DateTime to, int limit, CancellationToken cancellationToken) =>
        cache.GetOrLoadAsync(
            CachePolicies.Report,
            CachePolicies.Report.Key($"top:{Stamp(from)}:{Stamp(to)}:{limit}"),
            (store, from, to, limit),
            static async (state, token) => CachedJson.Create(
                await state.store.TopProductsAsync(state.from, state.to, state.limit, token),
                AnalyticsJsonContext.Default.TopProductsReport),
            cancellationToken: cancellationToken);

    public ValueTask<CachedJson?> UserSummaryJsonAsync(Guid userId, CancellationToken cancellationToken) =>
        cache.GetOrLoadAsync(
            CachePolicies.Report,
            CachePolicies.Report.Key($"user:{userId:N}"),
            (store, userId),
            static async (state, token) => await state.store.UserSummaryAsync(state.userId, token) is { } summary
                ? CachedJson.Create(summary, AnalyticsJsonContext.Default.UserSummary)
                : null,
            cancellationToken: cancellationToken);

    private static string Stamp(DateTime time) => time.ToString("yyyyMMddHHmm", CultureInfo.InvariantCulture);
}
