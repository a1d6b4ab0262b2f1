using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using CloudLab.Tests.Infrastructure;

namespace CloudLab.Tests.Integration;

/// <summary>
/// Product updates are conditional on the version they were based on (ETag / If-Match), and reads answer 304 to a
/// client that holds the current version.
/// </summary>
[Collection(CloudLabCollection.Name)]
public sealed class ProductVersionTests(CloudLabAppFixture app)
{
    [Fact]
    public async Task An_update_based_on_a_version_read_before_a_reservation_does_not_overwrite_the_stock()
    {
        var admin = await app.AdminAsync();
        var customer = await app.RegisterCustomerAsync();
        var productId = await app.CreateProductAsync(price: 3m, stock: 10);
        using var products = app.Client("productservice");
        var (read, etag) = await GetWithTagAsync(products, productId);

        // A customer's order reserves one unit after the admin read the product.
        using var orders = app.Client("orderservice");
        using var placed = await orders.SendAsync(customer.Request(HttpMethod.Post, "/api/orders",
            new { items = new[] { new { productId, quantity = 1 } } }, Guid.NewGuid().ToString()));
        Assert.Equal(HttpStatusCode.Created, placed.StatusCode);

        read["stock"] = 50;
        using var stale = admin.Request(HttpMethod.Put, $"/api/products/{productId}", read);
        stale.Headers.IfMatch.Add(EntityTagHeaderValue.Parse(etag));
        using var refused = await products.SendAsync(stale);
        var problem = await refused.AssertProblemAsync(HttpStatusCode.PreconditionFailed);
        Assert.True(problem["currentVersion"]!.GetValue<long>() > read["version"]!.GetValue<long>());
        Assert.Equal(9, (await products.GetObjectAsync($"/api/products/{productId}"))["stock"]!.GetValue<int>());

        // The same without the header, by the version in the body: refused too.
        using var staleByBody = await products.SendAsync(
            admin.Request(HttpMethod.Put, $"/api/products/{productId}", read));
        await staleByBody.AssertProblemAsync(HttpStatusCode.PreconditionFailed);

        // Read again, reapply: accepted, and the answer carries the new tag.
        var (fresh, freshTag) = await GetWithTagAsync(products, productId);
        fresh["stock"] = 50;
        using var current = admin.Request(HttpMethod.Put, $"/api/products/{productId}", fresh);
        current.Headers.IfMatch.Add(EntityTagHeaderValue.Parse(freshTag));
        using var accepted = await products.SendAsync(current);
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        Assert.NotEqual(freshTag, accepted.Headers.ETag!.Tag);
        Assert.Equal(50, (await accepted.ReadObjectAsync())["stock"]!.GetValue<int>());
    }

    [Fact]
    public async Task An_update_that_names_no_version_is_refused_and_a_malformed_tag_is_a_bad_request()
    {
        var admin = await app.AdminAsync();
        var productId = await app.CreateProductAsync(price: 3m, stock: 10);
        using var products = app.Client("productservice");
        var (read, _) = await GetWithTagAsync(products, productId);
        read.Remove("version");

        using var blind = await products.SendAsync(admin.Request(HttpMethod.Put, $"/api/products/{productId}", read));
        await blind.AssertProblemAsync((HttpStatusCode)428);

        foreach (var malformed in new[] { "W/\"1\"", "\"abc\"", "\"1\", \"2\"", "garbage" })
        {
            using var request = admin.Request(HttpMethod.Put, $"/api/products/{productId}", read);
            request.Headers.TryAddWithoutValidation("If-Match", malformed);
            using var response = await products.SendAsync(request);
            await response.AssertProblemAsync(HttpStatusCode.BadRequest);
        }

        // * asks for an overwrite of whatever is current, on purpose.
        using var overwrite = admin.Request(HttpMethod.Put, $"/api/products/{productId}", read);
        overwrite.Headers.IfMatch.Add(EntityTagHeaderValue.Any);
        using var overwritten = await products.SendAsync(overwrite);
        Assert.Equal(HttpStatusCode.OK, overwritten.StatusCode);
    }

    [Fact]
    public async Task A_read_with_the_current_tag_is_not_modified_and_a_change_makes_it_full_again()
    {
        var admin = await app.AdminAsync();
        var productId = await app.CreateProductAsync(price: 3m, stock: 10);
        using var products = app.Client("productservice");
        var (read, etag) = await GetWithTagAsync(products, productId);

        using var conditional = new HttpRequestMessage(HttpMethod.Get, $"/api/products/{productId}");
        conditional.Headers.IfNoneMatch.Add(EntityTagHeaderValue.Parse(etag));
        using var notModified = await products.SendAsync(conditional);
        Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
        Assert.Equal(etag, notModified.Headers.ETag!.Tag);
        Assert.Contains("no-cache", notModified.Headers.CacheControl!.ToString(), StringComparison.Ordinal);

        read["price"] = 4m;
        using var update = admin.Request(HttpMethod.Put, $"/api/products/{productId}", read);
        using var updated = await products.SendAsync(update);
        Assert.Equal(HttpStatusCode.OK, updated.StatusCode);

        using var again = new HttpRequestMessage(HttpMethod.Get, $"/api/products/{productId}");
        again.Headers.IfNoneMatch.Add(EntityTagHeaderValue.Parse(etag));
        using var full = await products.SendAsync(again);
        Assert.Equal(HttpStatusCode.OK, full.StatusCode);
        Assert.Equal(4m, (await full.ReadObjectAsync())["price"]!.GetValue<decimal>());
    }

    [Fact]
    public async Task A_cache_hit_serves_the_same_json_as_the_miss_and_a_write_serves_the_new_version()
    {
        var admin = await app.AdminAsync();
        var productId = await app.CreateProductAsync(price: 3m, stock: 10);
        using var replica = app.ReplicaClients("productservice")[0];

        // The create put the product's ready JSON in the cache; every read of it returns those bytes.
        var (first, firstType, firstTag) = await GetBodyAsync(replica, productId);
        var (second, _, secondTag) = await GetBodyAsync(replica, productId);
        Assert.Equal(first, second);
        Assert.Equal(firstTag, secondTag);
        Assert.Equal("application/json; charset=utf-8", firstType);
        var product = JsonNode.Parse(first)!.AsObject();
        Assert.Equal(productId, product["id"]!.GetValue<Guid>());
        Assert.Equal("active", product["status"]!.GetValue<string>());
        Assert.Equal($"\"{product["version"]!.GetValue<long>()}\"", firstTag);
        Assert.Equal(
            ["id", "name", "description", "categoryId", "price", "currency", "stock", "status", "createdAt",
                "updatedAt", "version"],
            product.Select(property => property.Key));

        product["stock"] = 42;
        using var updated = await replica.SendAsync(
            admin.Request(HttpMethod.Put, $"/api/products/{productId}", product));
        Assert.Equal(HttpStatusCode.OK, updated.StatusCode);
        var (afterWrite, _, afterWriteTag) = await GetBodyAsync(replica, productId);
        Assert.Equal(42, JsonNode.Parse(afterWrite)!["stock"]!.GetValue<int>());
        Assert.Equal(updated.Headers.ETag!.Tag, afterWriteTag);
        Assert.Equal(await updated.Content.ReadAsStringAsync(), afterWrite);
    }

    private static async Task<(string Body, string? ContentType, string ETag)> GetBodyAsync(
        HttpClient products, Guid id)
    {
        using var response = await products.GetAsync($"/api/products/{id}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadAsStringAsync(), response.Content.Headers.ContentType?.ToString(),
            response.Headers.ETag!.Tag);
    }

    private static async Task<(JsonObject Product, string ETag)> GetWithTagAsync(HttpClient products, Guid id)
    {
        using var response = await products.GetAsync($"/api/products/{id}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.ReadObjectAsync(), response.Headers.ETag!.Tag);
    }
}
