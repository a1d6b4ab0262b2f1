using CloudLab.Tests.Infrastructure;

namespace CloudLab.Tests.Integration;

[Collection(CloudLabCollection.Name)]
public sealed class ConcurrencyTests(CloudLabAppFixture app)
{
    [Fact]
    public async Task Fifty_concurrent_orders_for_ten_in_stock_sell_exactly_ten()
    {
        var productId = await app.CreateProductAsync(price: 2m, stock: 10);
        var customers = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => app.RegisterCustomerAsync()));
        using var orders = app.Client("orderservice");
        using var products = app.Client("productservice");

        var responses = await Task.WhenAll(Enumerable.Range(0, 50).Select(async index =>
        {
            using var response = await orders.SendAsync(customers[index % customers.Length].Request(
                HttpMethod.Post,
                "/api/orders",
                new { items = new[] { new { productId, quantity = 1 } } },
                Guid.NewGuid().ToString()));
            return response.StatusCode;
        }));

        Assert.Equal(10, responses.Count(status => status == HttpStatusCode.Created));
        Assert.Equal(40, responses.Count(status => status == HttpStatusCode.UnprocessableEntity));
        Assert.Equal(0, (await products.GetObjectAsync($"/api/products/{productId}"))["stock"]!.GetValue<int>());
        var placed = 0;
        foreach (var customer in customers)
        {
            placed += (await orders.GetObjectAsync("/api/orders", customer))["totalCount"]!.GetValue<int>();
        }

        Assert.Equal(10, placed);
    }
}
