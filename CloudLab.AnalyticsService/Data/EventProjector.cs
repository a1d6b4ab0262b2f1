using CloudLab.AnalyticsService.Domain;
using CloudLab.ServiceDefaults.Data;

namespace CloudLab.AnalyticsService.Data;

/// <summary>
/// Writes events' effects into the aggregates, once: the event ids go into processed_events in the same transaction as
/// their effect, so a redelivered event (at-least-once stream, replayed outbox row) changes nothing the second time.
/// A batch of events is one transaction: one statement per table, whatever the number of events.
/// </summary>
public sealed class EventProjector(Database database)
{
    /// <summary>
    /// Records the events' ids, asks <paramref name="tallyOf"/> for what the ones not seen before add up to, and adds
    /// it. Returns how many were new.
    /// </summary>
    public Task<int> ApplyAsync(
        IReadOnlyList<(Guid Id, string Type)> events,
        Func<IReadOnlySet<Guid>, SalesTally> tallyOf,
        CancellationToken cancellationToken) =>
        database.InTransactionAsync(async session =>
        {
            var fresh = (await session.QueryAsync<Guid>(
                Query.Write("processed_events", "insert"),
                """
                INSERT INTO processed_events (event_id, event_type) SELECT * FROM unnest(@ids, @types)
                ON CONFLICT DO NOTHING RETURNING event_id
                """,
                new
                {
                    ids = events.Select(entry => entry.Id).ToArray(),
                    types = events.Select(entry => entry.Type).ToArray(),
                },
                cancellationToken)).ToHashSet();
            var tally = tallyOf(fresh);
            await AddSalesAsync(session, tally, cancellationToken);
            await AddProductSalesAsync(session, tally, cancellationToken);
            await AddUserSummariesAsync(session, tally, cancellationToken);
            return fresh.Count;
        }, cancellationToken: cancellationToken);

    /// <summary>Keeps an entry that cannot be applied, for a person to look at.</summary>
    public Task DeadLetterAsync(
        string streamId, string? eventType, string? payload, string error, CancellationToken cancellationToken) =>
        database.ExecuteAsync(
            Query.Write("dead_letters", "insert"),
            """
            INSERT INTO dead_letters (stream_id, event_type, payload, error)
            VALUES (@streamId, @eventType, @payload, @error) ON CONFLICT DO NOTHING
            """,
            new { streamId, eventType, payload, error }, cancellationToken);

    private static Task AddSalesAsync(DbSession session, SalesTally tally, CancellationToken cancellationToken) =>
        tally.Sales.Count == 0 ? Task.CompletedTask : session.ExecuteAsync(
            Query.Write("sales_hourly", "add"),
            """
            INSERT INTO sales_hourly (bucket, currency, orders, cancelled_orders, units, revenue, refunds)
            SELECT * FROM unnest(@buckets, @currencies, @orders, @cancelled, @units, @revenue, @refunds)
            ON CONFLICT (bucket, currency) DO UPDATE SET
                orders = sales_hourly.orders + EXCLUDED.orders,
                cancelled_orders = sales_hourly.cancelled_orders + EXCLUDED.cancelled_orders,
                units = sales_hourly.units + EXCLUDED.units,
                revenue = sales_hourly.revenue + EXCLUDED.revenue,
                refunds = sales_hourly.refunds + EXCLUDED.refunds
            """,
            new
            {
                buckets = tally.Sales.Keys.Select(key => key.Bucket).ToArray(),
                currencies = tally.Sales.Keys.Select(key => key.Currency).ToArray(),
                orders = tally.Sales.Values.Select(delta => delta.Orders).ToArray(),
                cancelled = tally.Sales.Values.Select(delta => delta.CancelledOrders).ToArray(),
                units = tally.Sales.Values.Select(delta => delta.Units).ToArray(),
                revenue = tally.Sales.Values.Select(delta => delta.Revenue).ToArray(),
                refunds = tally.Sales.Values.Select(delta => delta.Refunds).ToArray(),
            },
            cancellationToken);

    private static Task AddProductSalesAsync(
        DbSession session, SalesTally tally, CancellationToken cancellationToken) =>
        tally.Products.Count == 0 ? Task.CompletedTask : session.ExecuteAsync(
            Query.Write("product_sales_hourly", "add"),
            """
            INSERT INTO product_sales_hourly (bucket, product_id, orders, units, revenue)
            SELECT * FROM unnest(@buckets, @products, @orders, @units, @revenue)
            ON CONFLICT (bucket, product_id) DO UPDATE SET
                orders = product_sales_hourly.orders + EXCLUDED.orders,
                units = product_sales_hourly.units + EXCLUDED.units,
                revenue = product_sales_hourly.revenue + EXCLUDED.revenue
            """,
            new
            {
                buckets = tally.Products.Keys.Select(key => key.Bucket).ToArray(),
                products = tally.Products.Keys.Select(key => key.ProductId).ToArray(),
                orders = tally.Products.Values.Select(delta => delta.Orders).ToArray(),
                units = tally.Products.Values.Select(delta => delta.Units).ToArray(),
                revenue = tally.Products.Values.Select(delta => delta.Revenue).ToArray(),
            },
            cancellationToken);

    private static Task AddUserSummariesAsync(
        DbSession session, SalesTally tally, CancellationToken cancellationToken) =>
        tally.Users.Count == 0 ? Task.CompletedTask : session.ExecuteAsync(
            Query.Write("user_summaries", "add"),
            """
            INSERT INTO user_summaries
                (user_id, registered_at, orders, cancelled_orders, spent, refunded, last_order_at)
            SELECT * FROM unnest(@users, @registeredAt, @orders, @cancelled, @spent, @refunded, @lastOrderAt)
            ON CONFLICT (user_id) DO UPDATE SET
                registered_at = COALESCE(EXCLUDED.registered_at, user_summaries.registered_at),
                orders = user_summaries.orders + EXCLUDED.orders,
                cancelled_orders = user_summaries.cancelled_orders + EXCLUDED.cancelled_orders,
                spent = user_summaries.spent + EXCLUDED.spent,
                refunded = user_summaries.refunded + EXCLUDED.refunded,
                last_order_at = GREATEST(user_summaries.last_order_at, EXCLUDED.last_order_at)
            """,
            new
            {
                users = tally.Users.Keys.ToArray(),
                registeredAt = tally.Users.Values.Select(delta => delta.RegisteredAt).ToArray(),
                orders = tally.Users.Values.Select(delta => delta.Orders).ToArray(),
                cancelled = tally.Users.Values.Select(delta => delta.CancelledOrders).ToArray(),
                spent = tally.Users.Values.Select(delta => delta.Spent).ToArray(),
                refunded = tally.Users.Values.Select(delta => delta.Refunded).ToArray(),
                lastOrderAt = tally.Users.Values.Select(delta => delta.LastOrderAt).ToArray(),
            },
            cancellationToken);
}
