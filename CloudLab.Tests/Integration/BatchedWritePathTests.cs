using System.Text.Json.Nodes;
using CloudLab.Tests.Infrastructure;
using Npgsql;

namespace CloudLab.Tests.Integration;

/// <summary>
/// The write path runs orders in batches (one reservation call, one charge call, one commit for many orders): each
/// order of a batch still gets its own outcome, and one order's failure touches no other.
/// </summary>
[Collection(CloudLabCollection.Name)]
public sealed class BatchedWritePathTests(CloudLabAppFixture app)
{
    /// <summary>
    /// Set for the tests' app: a charge of this amount is made by the gateway, but its answer never comes.
    /// </summary>
    public const decimal UnansweredAmount = 13.13m;

    [Fact]
    public async Task Orders_placed_together_get_their_own_outcomes_short_declined_unknown_and_placed()
    {
        var customer = await app.RegisterCustomerAsync();
        var plenty = await app.CreateProductAsync(price: 2m, stock: 100);
        var scarce = await app.CreateProductAsync(price: 1m, stock: 1);
        var dear = await app.CreateProductAsync(price: 30_000m, stock: 100); // 2 × 30,000 is over the card limit
        var unanswered = await app.CreateProductAsync(price: UnansweredAmount, stock: 100);
        using var orders = app.Client("orderservice");
        using var products = app.Client("productservice");

        // Sent at once, so that they share batches with each other (and with whatever else runs).
        var placements = new (Guid Product, int Quantity, HttpStatusCode Expected)[]
        {
            (plenty, 1, HttpStatusCode.Created), (scarce, 5, HttpStatusCode.UnprocessableEntity),
            (dear, 2, HttpStatusCode.PaymentRequired), (unanswered, 1, HttpStatusCode.ServiceUnavailable),
            (plenty, 2, HttpStatusCode.Created), (scarce, 3, HttpStatusCode.UnprocessableEntity),
            (dear, 2, HttpStatusCode.PaymentRequired), (plenty, 3, HttpStatusCode.Created),
        };
        var responses = await Task.WhenAll(placements.Select(placement => orders.SendAsync(customer.Request(
            HttpMethod.Post,
            "/api/orders",
            new { items = new[] { new { productId = placement.Product, quantity = placement.Quantity } } },
            Guid.NewGuid().ToString()))));

        for (var i = 0; i < placements.Length; i++)
        {
            var body = await responses[i].Content.ReadAsStringAsync();
            Assert.True(
                placements[i].Expected == responses[i].StatusCode,
                $"order {i}: {(int)responses[i].StatusCode} {body}");
            responses[i].Dispose();
        }

        Assert.Equal(100 - 6, await StockAsync(products, plenty));
        Assert.Equal(1, await StockAsync(products, scarce));
        Assert.Equal(100, await StockAsync(products, dear));
        // The unknown outcome's 503 goes out first; its stock release follows at once, without holding the answer.
        Assert.Equal(100, await Eventually.GetAsync<int?>(async () =>
            await StockAsync(products, unanswered) is 100 ? 100 : null));
        var mine = await orders.GetObjectAsync("/api/orders", customer);
        Assert.Equal(3, mine["totalCount"]!.GetValue<int>());
    }

    [Fact]
    public async Task A_reservation_batch_answers_each_order_and_takes_stock_once()
    {
        var admin = await app.AdminAsync();
        var product = await app.CreateProductAsync(price: 5m, stock: 4);
        var released = Guid.NewGuid();
        using var products = app.Client("productservice");
        using (var release = await products.SendAsync(
            admin.Request(HttpMethod.Delete, $"/api/products/reservations/{released}")))
        {
            Assert.Equal(HttpStatusCode.NoContent, release.StatusCode);
        }

        var first = Guid.NewGuid();
        var second = Guid.NewGuid();
        var tooMany = Guid.NewGuid();
        var unknown = Guid.NewGuid();
        using var response = await products.SendAsync(admin.Request(
            HttpMethod.Post,
            "/api/products/reservations/batch",
            new
            {
                orders = new object[]
                {
                    new { orderId = first, items = new[] { new { productId = product, quantity = 2 } } },
                    new { orderId = tooMany, items = new[] { new { productId = product, quantity = 3 } } },
                    new { orderId = second, items = new[] { new { productId = product, quantity = 2 } } },
                    new { orderId = first, items = new[] { new { productId = product, quantity = 2 } } },
                    new { orderId = unknown, items = new[] { new { productId = Guid.NewGuid(), quantity = 1 } } },
                    new { orderId = released, items = new[] { new { productId = product, quantity = 1 } } },
                },
            }));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var results = (await response.ReadObjectAsync())["results"]!.AsArray();
        Assert.Equal(
            ["reserved", "items_not_available", "reserved", "reserved", "items_not_available", "released"],
            results.Select(result => result!["outcome"]!.GetValue<string>()));
        // Served in turn: the first order took 2 of 4, so 3 more were too many and the third order got the last 2.
        Assert.Equal(2, results[1]!["shortItems"]![0]!["available"]!.GetValue<int>());
        Assert.Equal("unknown_product", results[4]!["shortItems"]![0]!["reason"]!.GetValue<string>());
        Assert.Equal(5m, results[0]!["reservation"]!["items"]![0]!["unitPrice"]!.GetValue<decimal>());
        Assert.Equal(0, await StockAsync(products, product)); // the repeated order id took nothing twice
    }

    [Fact]
    public async Task Reservations_answered_in_many_batches_leave_the_cached_product_at_its_last_stock()
    {
        var admin = await app.AdminAsync();
        var product = await app.CreateProductAsync(price: 1m, stock: 40);
        using var products = app.Client("productservice");
        Assert.Equal(40, await StockAsync(products, product)); // cached before the reservations

        // Sent at once, one unit each: they spread over several batches, whose cache writes overlap the next batch's
        // transaction. Each answer comes after its batch's write, and no write may land after a later batch's.
        var responses = await Task.WhenAll(Enumerable.Range(0, 40).Select(_ => products.SendAsync(admin.Request(
            HttpMethod.Post,
            "/api/products/reservations",
            new { orderId = Guid.NewGuid(), items = new[] { new { productId = product, quantity = 1 } } }))));
        Assert.All(responses, response => Assert.Equal(HttpStatusCode.OK, response.StatusCode));
        foreach (var response in responses)
        {
            response.Dispose();
        }

        Assert.Equal(0, await StockAsync(products, product));
    }

    [Fact]
    public async Task A_charge_batch_answers_each_charge_and_a_key_charges_once()
    {
        var admin = await app.AdminAsync();
        using var payments = app.Client("paymentservice");
        var key = Guid.NewGuid().ToString();
        object Charge(string idempotencyKey, decimal amount) => new
        {
            idempotencyKey,
            charge = new { orderId = Guid.NewGuid(), userId = Guid.NewGuid(), amount, currency = "USD" },
        };

        using var response = await payments.SendAsync(admin.Request(HttpMethod.Post, "/api/payments/batch", new
        {
            charges = new[]
            {
                Charge(key, 10m), Charge(Guid.NewGuid().ToString(), 60_000m), Charge(key, 11m),
                Charge(Guid.NewGuid().ToString(), UnansweredAmount),
            },
        }));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var results = (await response.ReadObjectAsync())["results"]!.AsArray()
            .Select(result => result!.AsObject())
            .ToList();
        Assert.Equal(
            ["settled", "settled", "key_reused", "unknown"],
            results.Select(result => result["outcome"]!.GetValue<string>()));
        Assert.Equal("captured", results[0]["payment"]!["status"]!.GetValue<string>());
        Assert.Equal("declined", results[1]["payment"]!["status"]!.GetValue<string>());
        Assert.Equal("insufficient_funds", results[1]["payment"]!["declineReason"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_charge_batch_writes_one_capture_event_per_payment_it_captured_saying_what_the_row_says()
    {
        var admin = await app.AdminAsync();
        using var payments = app.Client("paymentservice");
        var twice = Guid.NewGuid().ToString();
        var order = Guid.NewGuid();
        var user = Guid.NewGuid();
        object Charge(string idempotencyKey, Guid orderId, decimal amount) => new
        {
            idempotencyKey,
            charge = new { orderId, userId = user, amount, currency = "EUR" },
        };

        // The same charge twice in one batch, and again in three batches sent meanwhile: every copy asks the gateway
        // (the payment is still pending when it is claimed), and the copies reach the settle statement in one batch or
        // in several; only the one that settles the payment may write its event.
        var responses = await Task.WhenAll(Enumerable.Range(0, 4).Select(batch => payments.SendAsync(admin.Request(
            HttpMethod.Post,
            "/api/payments/batch",
            new
            {
                charges = batch == 0
                    ? new[]
                    {
                        Charge(twice, order, 12.34m), Charge(Guid.NewGuid().ToString(), Guid.NewGuid(), 60_000m),
                        Charge(twice, order, 12.34m),
                    }
                    : [Charge(twice, order, 12.34m)],
            }))));
        var results = new List<JsonObject>();
        foreach (var response in responses)
        {
            using (response)
            {
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                results.AddRange((await response.ReadObjectAsync())["results"]!.AsArray()
                    .Select(result => result!["payment"]!.AsObject()));
            }
        }

        var captured = results[0];
        Assert.Equal("captured", captured["status"]!.GetValue<string>());
        Assert.Equal("declined", results[1]["status"]!.GetValue<string>());
        Assert.All(
            results.Where((_, index) => index != 1),
            payment => Assert.Equal(captured["id"]!.GetValue<Guid>(), payment["id"]!.GetValue<Guid>()));

        await using var database = await app.OpenDatabaseAsync("paymentdb");
        await using var query = new NpgsqlCommand(
            """
            SELECT event_type, payload::text FROM outbox_messages
            WHERE payload->>'paymentId' = ANY(@ids) ORDER BY id
            """,
            database);
        query.Parameters.AddWithValue(
            "ids", results.Select(payment => payment["id"]!.GetValue<Guid>().ToString()).Distinct().ToArray());
        var events = new List<(string Type, JsonObject Payload)>();
        await using (var reader = await query.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                events.Add((reader.GetString(0), JsonNode.Parse(reader.GetString(1))!.AsObject()));
            }
        }

        var (type, payload) = Assert.Single(events); // none for the declined charge, one for the charge sent twice
        Assert.Equal("payment.captured", type);
        Assert.Equal(order, payload["orderId"]!.GetValue<Guid>());
        Assert.Equal(user, payload["userId"]!.GetValue<Guid>());
        Assert.Equal(12.34m, payload["amount"]!.GetValue<decimal>());
        Assert.Equal("EUR", payload["currency"]!.GetValue<string>());
        Assert.Equal(
            captured["updatedAt"]!.GetValue<DateTimeOffset>(), payload["capturedAt"]!.GetValue<DateTimeOffset>());
        using var stored = await payments.SendAsync(
            admin.Request(HttpMethod.Get, $"/api/payments/{captured["id"]!.GetValue<Guid>()}"));
        Assert.Equal(
            captured["updatedAt"]!.GetValue<DateTimeOffset>(),
            (await stored.ReadObjectAsync())["updatedAt"]!.GetValue<DateTimeOffset>());
    }

    [Theory]
    [InlineData("/api/products/reservations/batch", "productservice", """{"orders":[null]}""")]
    [InlineData("/api/products/reservations/batch", "productservice", """{"orders":[{"orderId":null,"items":[]}]}""")]
    [InlineData("/api/products/reservations/batch", "productservice", """{"orders":[]}""")]
    [InlineData("/api/products/reservations/releases", "productservice", """{"orderIds":[]}""")]
    [InlineData("/api/products/reservations/releases", "productservice", """{"orderIds":[null]}""")]
    [InlineData("/api/products/reservations/releases", "productservice", """{"orderIds":["not-a-guid"]}""")]
    [InlineData("/api/products/reservations/releases", "productservice", "{}")]
    [InlineData("/api/payments/batch", "paymentservice", """{"charges":[null]}""")]
    [InlineData("/api/payments/batch", "paymentservice", """{"charges":[{"idempotencyKey":"k","charge":null}]}""")]
    [InlineData("/api/payments/batch", "paymentservice", """{"charges":[{"idempotencyKey":"a b","charge":{}}]}""")]
    [InlineData(
        "/api/products/reservations",
        "productservice",
        """{"orderId":"00000000-0000-0000-0000-000000000001","items":[null]}""")]
    public async Task A_malformed_batch_is_a_400_problem_and_changes_nothing(string path, string service, string body)
    {
        var admin = await app.AdminAsync();
        using var client = app.Client(service);
        using var request = admin.Request(HttpMethod.Post, path);
        request.Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");

        using var response = await client.SendAsync(request);

        await response.AssertProblemAsync(HttpStatusCode.BadRequest);
    }

    private static async Task<int> StockAsync(HttpClient products, Guid productId) =>
        (await products.GetObjectAsync($"/api/products/{productId}"))["stock"]!.GetValue<int>();
}
