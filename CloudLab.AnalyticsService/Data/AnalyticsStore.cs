using CloudLab.AnalyticsService.Models;
using CloudLab.ServiceDefaults.Data;

namespace CloudLab.AnalyticsService.Data;

/// <summary>Reads over the aggregates the projector keeps; they run with the analytics budget (5 min).</summary>
public sealed class AnalyticsStore(Database database)
{
    public async Task<SalesReport> SalesAsync(
        DateTime from, DateTime to, string granularity, CancellationToken cancellationToken)
    {
        var buckets = await database.QueryAsync<SalesBucket>(
            Query.Analytics("sales_hourly", "sales_by_" + granularity),
            """
            SELECT date_trunc(@granularity, bucket, 'UTC') AS start, currency, sum(orders)::int AS orders,
                   sum(cancelled_orders)::int AS cancelledorders, sum(units)::int AS units, sum(revenue) AS revenue,
                   sum(refunds) AS refunds
            FROM sales_hourly WHERE bucket >= @from AND bucket < @to
            GROUP BY 1, currency ORDER BY 1, currency
            """,
            new { granularity, from, to }, cancellationToken);
        return new SalesReport(from, to, granularity, buckets);
    }

    public async Task<TopProductsReport> TopProductsAsync(
        DateTime from, DateTime to, int limit, CancellationToken cancellationToken)
    {
        var products = await database.QueryAsync<ProductSales>(
            Query.Analytics("product_sales_hourly", "top_products"),
            """
            SELECT product_id AS productid, sum(orders)::int AS orders, sum(units)::int AS units,
                   sum(revenue) AS revenue
            FROM product_sales_hourly WHERE bucket >= @from AND bucket < @to
            GROUP BY product_id ORDER BY units DESC, revenue DESC, product_id LIMIT @limit
            """,
            new { from, to, limit }, cancellationToken);
        return new TopProductsReport(from, to, products);
    }

    public Task<UserSummary?> UserSummaryAsync(Guid userId, CancellationToken cancellationToken) =>
        database.QuerySingleOrDefaultAsync<UserSummary>(
            Query.Analytics("user_summaries", "get_by_user"),
            """
            SELECT user_id AS userid, registered_at AS registeredat, orders, cancelled_orders AS cancelledorders,
                   spent, refunded, last_order_at AS lastorderat
            FROM user_summaries WHERE user_id = @userId
            """,
            new { userId }, cancellationToken);
}
