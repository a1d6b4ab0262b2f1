using System.Text.Json.Nodes;
using CloudLab.Tests.Infrastructure;

namespace CloudLab.Tests.Integration;

[Collection(CloudLabCollection.Name)]
public sealed class PurchaseFlowTests(CloudLabAppFixture app)
{
    [Fact]
    public async Task A_purchase_crosses_all_five_services_and_ends_in_the_analytics_totals()
    {
        var customer = await app.RegisterCustomerAsync();
        var admin = await app.AdminAsync();
        var productId = await app.CreateProductAsync(price: 12.50m, stock: 20);
        using var orders = app.Client("orderservice");
        using var payments = app.Client("paymentservice");
        using var products = app.Client("productservice");
        using var analytics = app.Client("analyticsservice");

        using var placed = await orders.SendAsync(customer.Request(HttpMethod.Post, "/api/orders",
            new { items = new[] { new { productId, quantity = 3 } } }, Guid.NewGuid().ToString()));
        Assert.Equal(HttpStatusCode.Created, placed.StatusCode);
        var order = await placed.ReadObjectAsync();
        Assert.Equal("paid", order["status"]!.GetValue<string>());
        Assert.Equal(37.50m, order["total"]!.GetValue<decimal>());
        Assert.Equal(12.50m, order["items"]![0]!["unitPrice"]!.GetValue<decimal>());

        var orderId = order["id"]!.GetValue<Guid>();
        var payment = (await payments.GetObjectAsync($"/api/payments?order_id={orderId}", customer))["items"]![0]!;
        Assert.Equal("captured", payment["status"]!.GetValue<string>());
        Assert.Equal(37.50m, payment["amount"]!.GetValue<decimal>());
        Assert.Equal(17, (await products.GetObjectAsync($"/api/products/{productId}"))["stock"]!.GetValue<int>());

        // The OrderPlaced event travels outbox → Redis stream → analytics consumer. Reports are cached for a minute,
        // so each poll asks for a range of its own (a new cache key) until the order shows.
        var poll = 0;
        var summary = await Eventually.GetAsync(async () =>
        {
            var to = DateTime.UtcNow.AddHours(2).AddMinutes(++poll)
                .ToString("O", System.Globalization.CultureInfo.InvariantCulture);
            var top = await analytics.GetObjectAsync(
                $"/api/analytics/top-products?limit=100&to={Uri.EscapeDataString(to)}", admin);
            return top["products"]!.AsArray()
                .FirstOrDefault(product => product!["productId"]!.GetValue<Guid>() == productId);
        });
        Assert.Equal(3, summary!["units"]!.GetValue<int>());
        Assert.Equal(37.50m, summary["revenue"]!.GetValue<decimal>());

        // UserRegistered comes through UserService's relay and OrderPlaced through OrderService's, so analytics may
        // apply the order first; a summary read before the registration is then kept for the report cache's minute.
        var user = await Eventually.GetAsync(
            async () =>
            {
                var read = await analytics.GetObjectAsync($"/api/analytics/users/{customer.Id}/summary", admin);
                return read["registeredAt"] is null ? null : read;
            },
            TimeSpan.FromSeconds(90));
        Assert.NotNull(user);
        Assert.Equal(1, user["orders"]!.GetValue<int>());
        Assert.Equal(37.50m, user["spent"]!.GetValue<decimal>());
    }

    [Fact]
    public async Task Retrying_an_order_with_the_same_key_returns_the_same_order_and_charges_once()
    {
        var customer = await app.RegisterCustomerAsync();
        var productId = await app.CreateProductAsync(price: 5m, stock: 10);
        using var orders = app.Client("orderservice");
        using var payments = app.Client("paymentservice");
        using var products = app.Client("productservice");
        var key = Guid.NewGuid().ToString();
        var body = new { items = new[] { new { productId, quantity = 2 } } };

        using var first = await orders.SendAsync(customer.Request(HttpMethod.Post, "/api/orders", body, key));
        using var second = await orders.SendAsync(customer.Request(HttpMethod.Post, "/api/orders", body, key));

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        var orderId = (await first.ReadObjectAsync())["id"]!.GetValue<Guid>();
        Assert.Equal(orderId, (await second.ReadObjectAsync())["id"]!.GetValue<Guid>());
        Assert.Equal(1, (await orders.GetObjectAsync("/api/orders", customer))["totalCount"]!.GetValue<int>());
        var paymentsOfOrder = await payments.GetObjectAsync($"/api/payments?order_id={orderId}", customer);
        Assert.Equal(1, paymentsOfOrder["totalCount"]!.GetValue<int>());
        Assert.Equal(8, (await products.GetObjectAsync($"/api/products/{productId}"))["stock"]!.GetValue<int>());

        using var reused = await orders.SendAsync(customer.Request(
            HttpMethod.Post, "/api/orders", new { items = new[] { new { productId, quantity = 1 } } }, key));
        await reused.AssertProblemAsync(HttpStatusCode.UnprocessableEntity);
    }

    [Fact]
    public async Task A_declined_payment_leaves_stock_and_orders_unchanged()
    {
        var customer = await app.RegisterCustomerAsync();
        // 2 × 30,000 is over the simulated card limit.
        var productId = await app.CreateProductAsync(price: 30_000m, stock: 5);
        using var orders = app.Client("orderservice");
        using var products = app.Client("productservice");

        using var declined = await orders.SendAsync(customer.Request(HttpMethod.Post, "/api/orders",
            new { items = new[] { new { productId, quantity = 2 } } }, Guid.NewGuid().ToString()));

        var problem = await declined.AssertProblemAsync(HttpStatusCode.PaymentRequired);
        Assert.Equal("insufficient_funds", problem["declineReason"]!.GetValue<string>());
        Assert.Equal(5, (await products.GetObjectAsync($"/api/products/{productId}"))["stock"]!.GetValue<int>());
        Assert.Equal(0, (await orders.GetObjectAsync("/api/orders", customer))["totalCount"]!.GetValue<int>());
    }

    [Fact]
    public async Task Ordering_more_than_the_stock_is_refused_with_the_short_items()
    {
        var customer = await app.RegisterCustomerAsync();
        var productId = await app.CreateProductAsync(price: 1m, stock: 2);
        using var orders = app.Client("orderservice");

        using var response = await orders.SendAsync(customer.Request(HttpMethod.Post, "/api/orders",
            new { items = new[] { new { productId, quantity = 3 } } }, Guid.NewGuid().ToString()));

        var problem = await response.AssertProblemAsync(HttpStatusCode.UnprocessableEntity);
        var shortItem = problem["shortItems"]![0]!;
        Assert.Equal(productId, shortItem["productId"]!.GetValue<Guid>());
        Assert.Equal(2, shortItem["available"]!.GetValue<int>());
        Assert.Equal("insufficient_stock", shortItem["reason"]!.GetValue<string>());
    }

    [Fact]
    public async Task Ordering_an_unknown_product_is_refused_and_reserves_nothing()
    {
        var customer = await app.RegisterCustomerAsync();
        var productId = await app.CreateProductAsync(price: 1m, stock: 5);
        var unknown = Guid.NewGuid();
        using var orders = app.Client("orderservice");
        using var products = app.Client("productservice");

        using var response = await orders.SendAsync(customer.Request(
            HttpMethod.Post,
            "/api/orders",
            new { items = new[] { new { productId, quantity = 1 }, new { productId = unknown, quantity = 1 } } },
            Guid.NewGuid().ToString()));

        var shortItem = (await response.AssertProblemAsync(HttpStatusCode.UnprocessableEntity))["shortItems"]![0]!;
        Assert.Equal(unknown, shortItem["productId"]!.GetValue<Guid>());
        Assert.Equal("unknown_product", shortItem["reason"]!.GetValue<string>());
        Assert.Equal(5, (await products.GetObjectAsync($"/api/products/{productId}"))["stock"]!.GetValue<int>());
    }

    [Fact]
    public async Task Cancelling_refunds_the_payment_and_returns_the_stock_and_a_cancelled_order_cannot_ship()
    {
        var customer = await app.RegisterCustomerAsync();
        var admin = await app.AdminAsync();
        var productId = await app.CreateProductAsync(price: 7m, stock: 4);
        using var orders = app.Client("orderservice");
        using var payments = app.Client("paymentservice");
        using var products = app.Client("productservice");
        using var placed = await orders.SendAsync(customer.Request(HttpMethod.Post, "/api/orders",
            new { items = new[] { new { productId, quantity = 4 } } }, Guid.NewGuid().ToString()));
        var orderId = (await placed.ReadObjectAsync())["id"]!.GetValue<Guid>();
        Assert.Equal(0, (await products.GetObjectAsync($"/api/products/{productId}"))["stock"]!.GetValue<int>());

        using var cancelled = await orders.SendAsync(
            customer.Request(HttpMethod.Post, $"/api/orders/{orderId}/cancel"));
        Assert.Equal(HttpStatusCode.OK, cancelled.StatusCode);
        Assert.Equal("cancelled", (await cancelled.ReadObjectAsync())["status"]!.GetValue<string>());
        Assert.Equal(4, (await products.GetObjectAsync($"/api/products/{productId}"))["stock"]!.GetValue<int>());
        var payment = (await payments.GetObjectAsync($"/api/payments?order_id={orderId}", customer))["items"]![0]!;
        Assert.Equal("refunded", payment["status"]!.GetValue<string>());

        using var again = await orders.SendAsync(customer.Request(HttpMethod.Post, $"/api/orders/{orderId}/cancel"));
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        using var ship = await orders.SendAsync(admin.Request(HttpMethod.Post, $"/api/orders/{orderId}/ship"));
        await ship.AssertProblemAsync(HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task A_shipped_order_cannot_be_cancelled()
    {
        var customer = await app.RegisterCustomerAsync();
        var admin = await app.AdminAsync();
        var productId = await app.CreateProductAsync(price: 3m, stock: 3);
        using var orders = app.Client("orderservice");
        using var placed = await orders.SendAsync(customer.Request(HttpMethod.Post, "/api/orders",
            new { items = new[] { new { productId, quantity = 1 } } }, Guid.NewGuid().ToString()));
        var orderId = (await placed.ReadObjectAsync())["id"]!.GetValue<Guid>();

        using var shipped = await orders.SendAsync(admin.Request(HttpMethod.Post, $"/api/orders/{orderId}/ship"));
        Assert.Equal("shipped", (await shipped.ReadObjectAsync())["status"]!.GetValue<string>());
        using var cancel = await orders.SendAsync(customer.Request(HttpMethod.Post, $"/api/orders/{orderId}/cancel"));
        await cancel.AssertProblemAsync(HttpStatusCode.Conflict);
    }
}
