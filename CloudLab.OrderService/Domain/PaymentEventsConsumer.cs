using System.Diagnostics.Metrics;
using System.Text.Json;
using CloudLab.Contracts;
using CloudLab.ServiceDefaults.Messaging;
using CloudLab.ServiceDefaults.Telemetry;
using StackExchange.Redis;

namespace CloudLab.OrderService.Domain;

/// <summary>
/// Reads the event stream as the <c>orders</c> consumer group and applies the PaymentRefunded events of each batch to
/// their orders in one transaction (<see cref="OrderLifecycle.PaymentsRefundedAsync"/>), so that a refund made in
/// PaymentService moves its order. Every other event type is acknowledged untouched. Redelivered events change
/// nothing: the order has moved already.
/// </summary>
public sealed class PaymentEventsConsumer(
    IConnectionMultiplexer redis,
    BrokerIdentity broker,
    IServiceProvider services,
    IMeterFactory meterFactory,
    ILogger<PaymentEventsConsumer> logger) : StreamGroupConsumer(redis, broker, EventStreams.Events, Group, logger)
{
    public const string Group = "orders";

    private readonly Counter<long> _consumed = meterFactory.Create(CloudLabMeters.Events).CreateCounter<long>(
        "events_consumed",
        description: "PaymentRefunded events handled by the orders consumer, by result (applied, no_change, "
            + "unreadable).");

    protected override async Task HandleBatchAsync(
        IReadOnlyList<StreamEntry> entries, CancellationToken cancellationToken)
    {
        var refunds = new List<PaymentRefunded>();
        foreach (var entry in entries)
        {
            if ((string?)entry["type"] != EventTypes.PaymentRefunded)
            {
                continue;
            }

            try
            {
                refunds.Add(JsonSerializer.Deserialize(
                        (string?)entry["payload"] ?? "null", EventJsonContext.Default.PaymentRefunded)
                    ?? throw new JsonException("The event payload is empty."));
            }
            catch (JsonException exception)
            {
                // Retrying cannot make it readable, and it must not stop the stream. Its order stays as it is, and
                // still cannot ship: shipping asks PaymentService whether the payment is captured.
                Logger.LogError(exception, "PaymentRefunded {StreamId} cannot be read; skipped", entry.Id);
                Count("unreadable", 1);
            }
        }

        if (refunds.Count == 0)
        {
            return;
        }

        var lifecycle = services.GetRequiredService<OrderLifecycle>();
        var moved = await lifecycle.PaymentsRefundedAsync(refunds, cancellationToken);
        foreach (var order in moved)
        {
            Logger.LogInformation(
                "Order {OrderId} is {Status}: its payment was refunded in PaymentService", order.Id, order.Status);
        }

        Count("applied", moved.Count);
        Count("no_change", refunds.Count - moved.Count);
    }

    private void Count(string result, long count)
    {
        if (count > 0)
        {
            _consumed.Add(count, new KeyValuePair<string, object?>("result", result));
        }
    }
}
