using System.Text;
using CloudLab.Tests.Infrastructure;

namespace CloudLab.Tests.Integration;

[Collection(CloudLabCollection.Name)]
public sealed class ValidationTests(CloudLabAppFixture app)
{
    public static TheoryData<string, string> Lists => new()
    {
        { "productservice", "/api/products" },
        { "userservice", "/api/users" },
        { "orderservice", "/api/orders" },
        { "paymentservice", $"/api/payments?order_id={Guid.Empty}" },
    };

    [Theory]
    [MemberData(nameof(Lists))]
    public async Task Every_list_validates_its_paging(string service, string path)
    {
        var admin = await app.AdminAsync();
        using var client = app.Client(service);
        var separator = path.Contains('?', StringComparison.Ordinal) ? '&' : '?';
        foreach (var (query, field) in new[]
        {
            ("page=0", "page"),
            ("page_size=0", "page_size"),
            ("page_size=101", "page_size"),
            ("page=abc", "page"),
            ("page_size=-5", "page_size"),
        })
        {
            using var response = await client.SendAsync(admin.Request(HttpMethod.Get, $"{path}{separator}{query}"));
            var problem = await response.AssertProblemAsync(HttpStatusCode.BadRequest);
            Assert.NotNull(problem["errors"]![field]);
        }

        var page = await client.GetObjectAsync($"{path}{separator}page=2&page_size=100", admin);
        Assert.Equal(2, page["page"]!.GetValue<int>());
        Assert.Equal(100, page["pageSize"]!.GetValue<int>());
        var defaults = await client.GetObjectAsync(path, admin);
        Assert.Equal(1, defaults["page"]!.GetValue<int>());
        Assert.Equal(20, defaults["pageSize"]!.GetValue<int>());
    }

    public static TheoryData<string, string, string> BadBodies => new()
    {
        { "userservice", "/api/users", "{\"email\": \"a@b.c\", \"password\": " },
        { "userservice", "/api/users", "{\"email\": 42, \"password\": \"Password-123\", \"name\": \"x\"}" },
        { "userservice", "/api/auth/login", "not json at all" },
        { "productservice", "/api/products", "{\"name\": \"x\", \"price\": \"cheap\"}" },
        { "productservice", "/api/categories", "[1, 2, 3]" },
        { "orderservice", "/api/orders", "{\"items\": [{\"productId\": \"not-a-guid\", \"quantity\": 1}]}" },
        { "orderservice", "/api/orders", "{\"items\": " },
        { "paymentservice", "/api/payments", "{\"orderId\": true}" },
    };

    [Theory]
    [MemberData(nameof(BadBodies))]
    public async Task Malformed_json_and_wrong_types_are_answered_400_with_a_problem(
        string service, string path, string body)
    {
        var admin = await app.AdminAsync();
        using var client = app.Client(service);
        using var request = admin.Request(HttpMethod.Post, path, idempotencyKey: Guid.NewGuid().ToString());
        request.Content = new StringContent(body, Encoding.UTF8, "application/json");

        using var response = await client.SendAsync(request);

        var problem = await response.AssertProblemAsync(HttpStatusCode.BadRequest);
        Assert.False(
            string.IsNullOrEmpty(problem["detail"]?.GetValue<string>() ?? problem["title"]?.GetValue<string>()));
    }

    [Fact]
    public async Task Missing_fields_are_named_in_the_errors()
    {
        var admin = await app.AdminAsync();
        using var products = app.Client("productservice");
        using var response = await products.SendAsync(
            admin.Request(HttpMethod.Post, "/api/products", new { name = "", price = -1 }));

        var errors = (await response.AssertProblemAsync(HttpStatusCode.BadRequest))["errors"]!.AsObject();
        Assert.Contains("name", errors.Select(error => error.Key));
        Assert.Contains("price", errors.Select(error => error.Key));
        Assert.Contains("categoryId", errors.Select(error => error.Key));
    }

    [Fact]
    public async Task An_order_without_an_idempotency_key_is_refused()
    {
        var customer = await app.RegisterCustomerAsync();
        using var orders = app.Client("orderservice");
        using var response = await orders.SendAsync(customer.Request(
            HttpMethod.Post,
            "/api/orders",
            new { items = new[] { new { productId = Guid.NewGuid(), quantity = 1 } } }));

        var problem = await response.AssertProblemAsync(HttpStatusCode.BadRequest);
        Assert.NotNull(problem["errors"]!["Idempotency-Key"]);
    }
}
