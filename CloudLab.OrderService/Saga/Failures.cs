using System.Text.Json;
using CloudLab.OrderService.Models;

namespace CloudLab.OrderService.Saga;

/// <summary>The answers an order request can fail with (RFC 7807 status, title, detail).</summary>
public static class Failures
{
    public static readonly OrderFailure KeyReused = new(422, "Idempotency key reused", "This Idempotency-Key was used for a different order.");

    public static readonly OrderFailure InProgress = new(409, "Order in progress", "An order with this Idempotency-Key is still being placed; retry in a moment.");

    public static readonly OrderFailure Unavailable = new(503, "Order not placed",
        "A service the order needs did not answer. Nothing was charged and no stock is held; place the order again with a new Idempotency-Key.");

    public static OrderFailure OutOfStock(IReadOnlyList<ShortItem> shortItems) => new(422, "Insufficient stock",
        "Not enough stock for every item; nothing was reserved or charged.",
        new Dictionary<string, JsonElement> { ["shortItems"] = JsonSerializer.SerializeToElement(shortItems, OrderJsonContext.Default.IReadOnlyListShortItem) });

    public static OrderFailure Declined(string? reason) => new(402, "Payment declined",
        $"The payment was declined ({reason ?? "no reason given"}); the stock was released and nothing was charged.",
        new Dictionary<string, JsonElement> { ["declineReason"] = JsonSerializer.SerializeToElement(reason ?? "declined", OrderJsonContext.Default.String) });

    /// <summary>Products that do not exist, are not for sale, or are priced in different currencies.</summary>
    public static OrderFailure? FromCatalogue(IReadOnlyList<ReservationItemRequest> lines, IReadOnlyList<ProductInfo?> catalogue)
    {
        var missing = lines.Where((_, index) => catalogue[index] is null).Select(line => line.ProductId).ToList();
        if (missing.Count > 0)
        {
            return new OrderFailure(422, "Unknown products", $"No product has the id {string.Join(", ", missing)}.");
        }

        var unavailable = catalogue.Where(product => product!.Status != "active").Select(product => product!.Id).ToList();
        if (unavailable.Count > 0)
        {
            return new OrderFailure(422, "Products not for sale", $"These products are not for sale: {string.Join(", ", unavailable)}.");
        }

        return catalogue.Select(product => product!.Currency).Distinct().Count() > 1
            ? new OrderFailure(422, "Mixed currencies", "All products of one order must be priced in the same currency.")
            : null;
    }
}
