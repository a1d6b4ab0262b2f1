using System.Text.Json;
using CloudLab.OrderService.Models;

namespace CloudLab.OrderService.Domain;

/// <summary>The answers an order request can fail with (RFC 7807 status, title, detail).</summary>
public static class Failures
{
    public static readonly OrderFailure KeyReused =
        new(422, "Idempotency key reused", "This Idempotency-Key was used for a different order.");

    public static readonly OrderFailure InProgress = new(409, "Order in progress",
        "An order with this Idempotency-Key is still being placed; retry in a moment.");

    public static readonly OrderFailure Unavailable = new(503, "Order not placed",
        "A service the order needs did not answer. Nothing was charged and no stock is held; "
            + "place the order again with a new Idempotency-Key.");

    public static OrderFailure NotAvailable(IReadOnlyList<ShortItem> shortItems) => new(422, "Items not available",
        "Some items cannot be ordered (see shortItems: unknown_product, not_for_sale or insufficient_stock); "
            + "nothing was reserved or charged.",
        new Dictionary<string, JsonElement>
        {
            ["shortItems"] = JsonSerializer.SerializeToElement(
                shortItems, OrderJsonContext.Default.IReadOnlyListShortItem),
        });

    public static OrderFailure Declined(string? reason) => new(402, "Payment declined",
        $"The payment was declined ({reason ?? "no reason given"}); the stock was released and nothing was charged.",
        new Dictionary<string, JsonElement>
        {
            ["declineReason"] = JsonSerializer.SerializeToElement(
                reason ?? "declined", OrderJsonContext.Default.String),
        });

    public static readonly OrderFailure MixedCurrencies = new(422, "Mixed currencies",
        "All products of one order must be priced in the same currency; nothing was reserved or charged.");
}
