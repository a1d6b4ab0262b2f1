using CloudLab.AnalyticsService.Domain;
using CloudLab.AnalyticsService.Models;
using CloudLab.ServiceDefaults.Auth;
using CloudLab.ServiceDefaults.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace CloudLab.AnalyticsService.Apis;

/// <summary>Business reports, for admins. Times are UTC; a range is [from, to).</summary>
public static class AnalyticsApi
{
    /// <summary>Reports are for admins only: no shared cache may keep them; browsers revalidate by ETag.</summary>
    private const string ReportCacheControl = "private, no-cache";

    private static readonly TimeSpan DefaultRange = TimeSpan.FromDays(7);

    public static RouteGroupBuilder MapAnalyticsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/analytics").WithTags("Analytics").RequireAuthorization(Policies.Admin);
        api.MapGet("/sales", Sales);
        api.MapGet("/top-products", TopProducts);
        api.MapGet("/users/{id:guid}/summary", UserSummaryOf);
        return api;
    }

    public static async Task<CachedJsonResult<SalesReport>> Sales(
        DateTime? from,
        DateTime? to,
        string? granularity,
        AnalyticsReports reports,
        TimeProvider time,
        CancellationToken cancellationToken)
    {
        var unit = (granularity ?? "day").ToLowerInvariant();
        if (unit is not ("day" or "hour"))
        {
            throw new RequestValidationException("granularity", "granularity must be day or hour.");
        }

        var (start, end) = Range(from, to, time, unit == "hour" ? TimeSpan.FromDays(31) : TimeSpan.FromDays(366));
        return new CachedJsonResult<SalesReport>(
            await reports.SalesJsonAsync(start, end, unit, cancellationToken), ReportCacheControl);
    }

    public static async Task<CachedJsonResult<TopProductsReport>> TopProducts(
        DateTime? from,
        DateTime? to,
        int? limit,
        AnalyticsReports reports,
        TimeProvider time,
        CancellationToken cancellationToken)
    {
        if (limit is < 1 or > 100)
        {
            throw new RequestValidationException("limit", "limit must be from 1 to 100.");
        }

        var (start, end) = Range(from, to, time, TimeSpan.FromDays(366));
        return new CachedJsonResult<TopProductsReport>(
            await reports.TopProductsJsonAsync(start, end, limit ?? 10, cancellationToken), ReportCacheControl);
    }

    public static async Task<Results<CachedJsonResult<UserSummary>, NotFound>> UserSummaryOf(
        [FromRoute] Guid id, AnalyticsReports reports, CancellationToken cancellationToken) =>
        await reports.UserSummaryJsonAsync(id, cancellationToken) is { } summary
            ? new CachedJsonResult<UserSummary>(summary, ReportCacheControl)
            : TypedResults.NotFound();

    /// <summary>
    /// Defaults to the last seven days; <paramref name="longest"/> bounds how much one request may scan.
    /// </summary>
    private static (DateTime From, DateTime To) Range(DateTime? from, DateTime? to, TimeProvider time, TimeSpan longest)
    {
        var end = (to ?? time.GetUtcNow().UtcDateTime.AddHours(1)).ToUniversalTime();
        // Near the start of the calendar the default range would run before year 1: it starts there instead.
        var start = (from ?? (end.Ticks > DefaultRange.Ticks ? end - DefaultRange : DateTime.MinValue))
            .ToUniversalTime();
        if (start >= end)
        {
            throw new RequestValidationException("from", "from must be before to.");
        }

        if (end - start > longest)
        {
            throw new RequestValidationException(
                "to", $"The range may span at most {longest.TotalDays:0} days at this granularity.");
        }

        // Whole minutes: equal requests share a cache entry.
        return (Truncate(start), Truncate(end));
    }

    private static DateTime Truncate(DateTime time) =>
        new(time.Ticks - time.Ticks % TimeSpan.TicksPerMinute, DateTimeKind.Utc);
}
