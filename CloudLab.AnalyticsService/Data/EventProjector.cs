using System.Text.Json;
using CloudLab.Contracts;
using CloudLab.ServiceDefaults.Data;

namespace CloudLab.AnalyticsService.Data;

/// <summary>
/// Applies one event to the aggregates, once: the event id goes into processed_events in the same transaction as its
/// effect, so a redelivered event (at-least-once stream, replayed outbox row) changes nothing the second time.
/// </summary>
public sealed class EventProjector(Database database)
{
    /// <summary>Returns false when the event had already been applied.</summary>
    public Task<bool> ApplyAsync(Guid eventId, string eventType, string payload, CancellationToken cancellationToken) =>
        database.InTransactionAsync(async session =>
        {
            var first = await session.ExecuteAsync(
                Query.Write("processed_events", "insert"),
                "INSERT INTO processed_events (event_id, event_type) VALUES (@eventId, @eventType) ON CONFLICT DO NOTHING",
                new { eventId, eventType }, cancellationToken);
            if (first == 0)
            {
                return false;
            }

            await (eventType switch
            {
                EventTypes.OrderPlaced => OrderPlacedAsync(session, Read(payload, EventJsonContext.Default.OrderPlaced), cancellationToken),
                EventTypes.OrderCancelled => OrderCancelledAsync(session, Read(payload, EventJsonContext.Default.OrderCancelled), cancellationToken),
                EventTypes.PaymentRefunded => PaymentRefundedAsync(session, Read(payload, EventJsonContext.Default.PaymentRefunded), cancellationToken),
                EventTypes.UserRegistered => UserRegisteredAsync(session, Read(payload, EventJsonContext.Default.UserRegistered), cancellationToken),
                _ => Task.CompletedTask, // PaymentCaptured and future types: recorded, nothing to add up
            });
            return true;
        }, cancellationToken: cancellationToken);

    /// <summary>Keeps an entry that cannot be applied, for a person to look at.</summary>
    public Task DeadLetterAsync(string streamId, string? eventType, string? payload, string error, CancellationToken cancellationToken) =>
        database.ExecuteAsync(
            Query.Write("dead_letters", "insert"),
            "INSERT INTO dead_letters (stream_id, event_type, payload, error) VALUES (@streamId, @eventType, @payload, @error) ON CONFLICT DO NOTHING",
            new { streamId, eventType, payload, error }, cancellationToken);

    private static async Task OrderPlacedAsync(DbSession session, OrderPlaced placed, CancellationToken cancellationToken)
    {
        var units = placed.Lines.Sum(line => line.Quantity);
        await session.ExecuteAsync(
            Query.Write("sales_hourly", "add_order"),
            """
            INSERT INTO sales_hourly (bucket, currency, orders, units, revenue) VALUES (date_trunc('hour', @at, 'UTC'), @Currency, 1, @units, @Total)
            ON CONFLICT (bucket, currency) DO UPDATE SET orders = sales_hourly.orders + 1, units = sales_hourly.units + EXCLUDED.units,
                revenue = sales_hourly.revenue + EXCLUDED.revenue
            """,
            new { at = placed.PlacedAt, placed.Currency, units, placed.Total }, cancellationToken);
        await session.ExecuteAsync(
            Query.Write("product_sales_hourly", "add_order"),
            """
            INSERT INTO product_sales_hourly (bucket, product_id, orders, units, revenue)
            SELECT date_trunc('hour', @at, 'UTC'), product, 1, quantity, quantity * price FROM unnest(@products, @quantities, @prices) AS l(product, quantity, price)
            ON CONFLICT (bucket, product_id) DO UPDATE SET orders = product_sales_hourly.orders + 1,
                units = product_sales_hourly.units + EXCLUDED.units, revenue = product_sales_hourly.revenue + EXCLUDED.revenue
            """,
            new
            {
                at = placed.PlacedAt,
                products = placed.Lines.Select(line => line.ProductId).ToArray(),
                quantities = placed.Lines.Select(line => line.Quantity).ToArray(),
                prices = placed.Lines.Select(line => line.UnitPrice).ToArray(),
            },
            cancellationToken);
        await session.ExecuteAsync(
            Query.Write("user_summaries", "add_order"),
            """
            INSERT INTO user_summaries (user_id, orders, spent, last_order_at) VALUES (@UserId, 1, @Total, @at)
            ON CONFLICT (user_id) DO UPDATE SET orders = user_summaries.orders + 1, spent = user_summaries.spent + EXCLUDED.spent,
                last_order_at = GREATEST(user_summaries.last_order_at, EXCLUDED.last_order_at)
            """,
            new { placed.UserId, placed.Total, at = placed.PlacedAt }, cancellationToken);
    }

    private static async Task OrderCancelledAsync(DbSession session, OrderCancelled cancelled, CancellationToken cancellationToken)
    {
        await session.ExecuteAsync(
            Query.Write("sales_hourly", "add_cancellation"),
            """
            INSERT INTO sales_hourly (bucket, currency, cancelled_orders) VALUES (date_trunc('hour', @at, 'UTC'), @Currency, 1)
            ON CONFLICT (bucket, currency) DO UPDATE SET cancelled_orders = sales_hourly.cancelled_orders + 1
            """,
            new { at = cancelled.CancelledAt, cancelled.Currency }, cancellationToken);
        await session.ExecuteAsync(
            Query.Write("user_summaries", "add_cancellation"),
            """
            INSERT INTO user_summaries (user_id, cancelled_orders) VALUES (@UserId, 1)
            ON CONFLICT (user_id) DO UPDATE SET cancelled_orders = user_summaries.cancelled_orders + 1
            """,
            new { cancelled.UserId }, cancellationToken);
    }

    private static async Task PaymentRefundedAsync(DbSession session, PaymentRefunded refunded, CancellationToken cancellationToken)
    {
        await session.ExecuteAsync(
            Query.Write("sales_hourly", "add_refund"),
            """
            INSERT INTO sales_hourly (bucket, currency, refunds) VALUES (date_trunc('hour', @at, 'UTC'), @Currency, @Amount)
            ON CONFLICT (bucket, currency) DO UPDATE SET refunds = sales_hourly.refunds + EXCLUDED.refunds
            """,
            new { at = refunded.RefundedAt, refunded.Currency, refunded.Amount }, cancellationToken);
        await session.ExecuteAsync(
            Query.Write("user_summaries", "add_refund"),
            """
            INSERT INTO user_summaries (user_id, refunded) VALUES (@UserId, @Amount)
            ON CONFLICT (user_id) DO UPDATE SET refunded = user_summaries.refunded + EXCLUDED.refunded
            """,
            new { refunded.UserId, refunded.Amount }, cancellationToken);
    }

    private static Task UserRegisteredAsync(DbSession session, UserRegistered registered, CancellationToken cancellationToken) =>
        session.ExecuteAsync(
            Query.Write("user_summaries", "register"),
            """
            INSERT INTO user_summaries (user_id, registered_at) VALUES (@UserId, @RegisteredAt)
            ON CONFLICT (user_id) DO UPDATE SET registered_at = EXCLUDED.registered_at
            """,
            new { registered.UserId, registered.RegisteredAt }, cancellationToken);

    private static T Read<T>(string payload, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type) =>
        JsonSerializer.Deserialize(payload, type) ?? throw new JsonException("The event payload is empty.");
}
