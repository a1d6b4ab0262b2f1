using System.Text.Json.Nodes;
using CloudLab.Tests.Infrastructure;

namespace CloudLab.Tests.Integration;

/// <summary>
/// A refund made in PaymentService (an admin's <c>POST /api/payments/{id}/refund</c>) reaches the order through the
/// PaymentRefunded event: a paid order is cancelled and its stock comes back, a shipped one becomes refunded; neither
/// can ship any more, and analytics counts the refund and the cancellation once.
/// </summary>
[Collection(CloudLabCollection.Name)]
public sealed class PaymentRefundTests(CloudLabAppFixture app)
{
    [Fact]
    public async Task A_refund_made_in_payment_cancels_the_paid_order_returns_its_stock_and_blocks_shipping()
    {
        var customer = await app.RegisterCustomerAsync();
        var admin = await app.AdminAsync();
        var productId = await app.CreateProductAsync(price: 8m, stock: 5);
        using var orders = app.Client("orderservice");
        using var payments = app.Client("paymentservice");
        using var products = app.Client("productservice");
        var order = await PlaceAsync(customer, productId, quantity: 2);
        var orderId = order["id"]!.GetValue<Guid>();
        Assert.Equal(3, (await products.GetObjectAsync($"/api/products/{productId}"))["stock"]!.GetValue<int>());

        using var refund = await payments.SendAsync(
            admin.Request(HttpMethod.Post, $"/api/payments/{order["paymentId"]!.GetValue<Guid>()}/refund"));
        Assert.Equal(HttpStatusCode.OK, refund.StatusCode);

        var cancelled = await Eventually.GetAsync(async () =>
        {
            var current = await orders.GetObjectAsync($"/api/orders/{orderId}", customer);
            return current["status"]!.GetValue<string>() == "cancelled" ? current : null;
        });
        Assert.NotNull(cancelled);
        using var ship = await orders.SendAsync(admin.Request(HttpMethod.Post, $"/api/orders/{orderId}/ship"));
        await ship.AssertProblemAsync(HttpStatusCode.Conflict);
        var stock = await Eventually.GetAsync(async () =>
        {
            var current = (await products.GetObjectAsync($"/api/products/{productId}"))["stock"]!.GetValue<int>();
            return current == 5 ? (int?)current : null;
        });
        Assert.Equal(5, stock);

        // Counted as one order, one cancellation and one refund of its total: no second refund, no loop.
        var summary = await Eventually.GetAsync(async () =>
        {
            var row = await UserSummaryAsync(customer.Id);
            return row is { CancelledOrders: 1, Refunded: > 0 } ? row : null;
        });
        Assert.Equal((1, 1, 16m), (summary!.Value.Orders, summary.Value.CancelledOrders, summary.Value.Refunded));
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.Equal(summary, await UserSummaryAsync(customer.Id));
        var charges = await payments.GetObjectAsync($"/api/payments?order_id={orderId}", customer);
        Assert.Equal("refunded", Assert.Single(charges["items"]!.AsArray())!["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_refund_after_shipping_marks_the_order_refunded_and_leaves_the_stock_shipped()
    {
        var customer = await app.RegisterCustomerAsync();
        var admin = await app.AdminAsync();
        var productId = await app.CreateProductAsync(price: 4m, stock: 3);
        using var orders = app.Client("orderservice");
        using var payments = app.Client("paymentservice");
        using var products = app.Client("productservice");
        var order = await PlaceAsync(customer, productId, quantity: 1);
        var orderId = order["id"]!.GetValue<Guid>();
        using var shipped = await orders.SendAsync(admin.Request(HttpMethod.Post, $"/api/orders/{orderId}/ship"));
        Assert.Equal(HttpStatusCode.OK, shipped.StatusCode);

        using var refund = await payments.SendAsync(
            admin.Request(HttpMethod.Post, $"/api/payments/{order["paymentId"]!.GetValue<Guid>()}/refund"));
        Assert.Equal(HttpStatusCode.OK, refund.StatusCode);

        var refunded = await Eventually.GetAsync(async () =>
        {
            var current = await orders.GetObjectAsync($"/api/orders/{orderId}", customer);
            return current["status"]!.GetValue<string>() == "refunded" ? current : null;
        });
        Assert.NotNull(refunded);
        using var cancel = await orders.SendAsync(customer.Request(HttpMethod.Post, $"/api/orders/{orderId}/cancel"));
        await cancel.AssertProblemAsync(HttpStatusCode.Conflict);
        Assert.Equal(2, (await products.GetObjectAsync($"/api/products/{productId}"))["stock"]!.GetValue<int>());
    }

    private async Task<JsonObject> PlaceAsync(Caller customer, Guid productId, int quantity)
    {
        using var orders = app.Client("orderservice");
        using var placed = await orders.SendAsync(customer.Request(HttpMethod.Post, "/api/orders",
            new { items = new[] { new { productId, quantity } } }, Guid.NewGuid().ToString()));
        Assert.Equal(HttpStatusCode.Created, placed.StatusCode);
        return await placed.ReadObjectAsync();
    }

    /// <summary>Read from the analytics database: the report endpoint caches a summary for a minute.</summary>
    private async Task<(int Orders, int CancelledOrders, decimal Refunded)?> UserSummaryAsync(Guid userId)
    {
        await using var database = await app.OpenDatabaseAsync("analyticsdb");
        await using var command = database.CreateCommand();
        command.CommandText = "SELECT orders, cancelled_orders, refunded FROM user_summaries WHERE user_id = @userId";
        command.Parameters.AddWithValue("userId", userId);
        await using var reader = await command.ExecuteReaderAsync();
        return await reader.ReadAsync() ? (reader.GetInt32(0), reader.GetInt32(1), reader.GetDecimal(2)) : null;
    }
}
