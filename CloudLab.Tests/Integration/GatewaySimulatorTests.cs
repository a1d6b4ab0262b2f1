using CloudLab.Tests.Infrastructure;

namespace CloudLab.Tests.Integration;

/// <summary>
/// The simulated gateway the AppHost enables for tests: PaymentService reaches it with its own service token (every
/// order in these tests is charged through it); nobody else without a service or admin token, and never with a body
/// it would have to guess at.
/// </summary>
[Collection(CloudLabCollection.Name)]
public sealed class GatewaySimulatorTests(CloudLabAppFixture app)
{
    private static readonly object ValidCharge = new { amount = 10m, currency = "USD", reference = "test" };

    [Fact]
    public async Task Anonymous_callers_and_customers_cannot_charge_or_refund_in_the_gateway()
    {
        var customer = await app.RegisterCustomerAsync();
        using var payments = app.Client("paymentservice");
        var key = Guid.NewGuid().ToString();

        using var anonymousCharge = await payments.SendAsync(Anonymous("/simulated-gateway/charges", ValidCharge, key));
        using var anonymousRefund = await payments.SendAsync(Anonymous($"/simulated-gateway/charges/{key}/refund"));
        using var customerCharge = await payments.SendAsync(
            customer.Request(HttpMethod.Post, "/simulated-gateway/charges", ValidCharge, key));
        using var customerRefund = await payments.SendAsync(
            customer.Request(HttpMethod.Post, $"/simulated-gateway/charges/{key}/refund"));

        await anonymousCharge.AssertProblemAsync(HttpStatusCode.Unauthorized);
        await anonymousRefund.AssertProblemAsync(HttpStatusCode.Unauthorized);
        await customerCharge.AssertProblemAsync(HttpStatusCode.Forbidden);
        await customerRefund.AssertProblemAsync(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task A_customers_captured_charge_cannot_be_marked_refunded_in_the_gateway_by_the_customer()
    {
        var customer = await app.RegisterCustomerAsync();
        var productId = await app.CreateProductAsync(price: 6m, stock: 2);
        using var orders = app.Client("orderservice");
        using var payments = app.Client("paymentservice");
        using var placed = await orders.SendAsync(customer.Request(HttpMethod.Post, "/api/orders",
            new { items = new[] { new { productId, quantity = 1 } } }, Guid.NewGuid().ToString()));
        Assert.Equal(HttpStatusCode.Created, placed.StatusCode); // charged through the gateway with a service token
        var paymentId = (await placed.ReadObjectAsync())["paymentId"]!.GetValue<Guid>();

        using var refund = await payments.SendAsync(
            customer.Request(HttpMethod.Post, $"/simulated-gateway/charges/{paymentId}/refund"));

        await refund.AssertProblemAsync(HttpStatusCode.Forbidden);
        await using var database = await app.OpenDatabaseAsync("paymentdb");
        await using var command = database.CreateCommand();
        command.CommandText = "SELECT refunded_at IS NULL FROM gateway_charges WHERE idempotency_key = @key";
        command.Parameters.AddWithValue("key", paymentId.ToString());
        Assert.Equal(true, await command.ExecuteScalarAsync());
    }

    [Theory]
    [InlineData(0, "USD", "ref")]
    [InlineData(-5, "USD", "ref")]
    [InlineData(1_000_000_000, "USD", "ref")]
    [InlineData(10, "usd", "ref")]
    [InlineData(10, "DOLLARS", "ref")]
    [InlineData(10, "USD", "")]
    [InlineData(10, "USD", "with space")]
    public async Task A_charge_with_a_malformed_body_is_refused_with_400_and_records_nothing(
        decimal amount, string currency, string reference)
    {
        var admin = await app.AdminAsync();
        using var payments = app.Client("paymentservice");
        var key = Guid.NewGuid().ToString();

        using var response = await payments.SendAsync(admin.Request(
            HttpMethod.Post, "/simulated-gateway/charges", new { amount, currency, reference }, key));

        var problem = await response.AssertProblemAsync(HttpStatusCode.BadRequest);
        Assert.NotNull(problem["errors"]);
        Assert.False(await LedgerHoldsAsync(key));
    }

    [Fact]
    public async Task Missing_fields_wrong_types_a_bad_key_and_an_oversized_reference_are_400s()
    {
        var admin = await app.AdminAsync();
        using var payments = app.Client("paymentservice");

        using var missing = await payments.SendAsync(admin.Request(
            HttpMethod.Post, "/simulated-gateway/charges", new { currency = "USD" }, Guid.NewGuid().ToString()));
        using var wrongType = await payments.SendAsync(admin.Request(HttpMethod.Post, "/simulated-gateway/charges",
            new { amount = "ten", currency = "USD", reference = "r" }, Guid.NewGuid().ToString()));
        using var oversized = await payments.SendAsync(admin.Request(HttpMethod.Post, "/simulated-gateway/charges",
            new { amount = 1m, currency = "USD", reference = new string('r', 101) }, Guid.NewGuid().ToString()));
        using var noKey = await payments.SendAsync(
            admin.Request(HttpMethod.Post, "/simulated-gateway/charges", ValidCharge));
        using var badRefundKey = await payments.SendAsync(admin.Request(
            HttpMethod.Post, $"/simulated-gateway/charges/{Uri.EscapeDataString("bad key\u0001")}/refund"));
        using var longRefundKey = await payments.SendAsync(
            admin.Request(HttpMethod.Post, $"/simulated-gateway/charges/{new string('k', 101)}/refund"));

        foreach (var response in new[] { missing, wrongType, oversized, noKey, badRefundKey, longRefundKey })
        {
            await response.AssertProblemAsync(HttpStatusCode.BadRequest);
        }
    }

    private static HttpRequestMessage Anonymous(string path, object? body = null, string? key = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path)
        {
            Content = body is null ? null : JsonContent.Create(body),
        };
        if (key is not null)
        {
            request.Headers.Add("Idempotency-Key", key);
        }

        return request;
    }

    private async Task<bool> LedgerHoldsAsync(string key)
    {
        await using var database = await app.OpenDatabaseAsync("paymentdb");
        await using var command = database.CreateCommand();
        command.CommandText = "SELECT count(*) FROM gateway_charges WHERE idempotency_key = @key";
        command.Parameters.AddWithValue("key", key);
        return (long)(await command.ExecuteScalarAsync())! > 0;
    }
}
