using CloudLab.Tests.Infrastructure;

namespace CloudLab.Tests.Integration;

/// <summary>
/// ProductService gives stock back by the batch (one transaction locks each product once for many orders), through
/// <c>DELETE /api/products/reservations/{orderId}</c> and <c>POST /api/products/reservations/releases</c> alike:
/// idempotent per order id, on either replica, and a released order id is never reserved afterwards.
/// </summary>
[Collection(CloudLabCollection.Name)]
public sealed class StockReleaseTests(CloudLabAppFixture app)
{
    private const string ReleaseStage = "stock_release";

    [Fact]
    public async Task A_release_batch_gives_each_order_back_once_and_refuses_its_late_reservation()
    {
        var admin = await app.AdminAsync();
        var product = await app.CreateProductAsync(price: 4m, stock: 10);
        using var products = app.Client("productservice");
        var (first, second, never) = (Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid());
        await ReserveAsync(admin, products, product, (first, 2), (second, 3));

        await ReleaseBatchAsync(admin, products, first, second, first, never);
        await ReleaseBatchAsync(admin, products, second, first);

        Assert.Equal(10, await StockAsync(products, product));
        using var late = await products.SendAsync(admin.Request(
            HttpMethod.Post,
            "/api/products/reservations/batch",
            new
            {
                orders = new[] { first, never }.Select(orderId => new
                {
                    orderId, items = new[] { new { productId = product, quantity = 1 } },
                }),
            }));
        var results = (await late.ReadObjectAsync())["results"]!.AsArray();
        Assert.All(results, result => Assert.Equal("released", result!["outcome"]!.GetValue<string>()));
        Assert.Equal(10, await StockAsync(products, product));
    }

    [Fact]
    public async Task Releases_sent_together_to_both_replicas_share_transactions_and_give_every_unit_back_once()
    {
        var admin = await app.AdminAsync();
        var product = await app.CreateProductAsync(price: 1m, stock: 150);
        using var products = app.Client("productservice");
        var orderIds = Enumerable.Range(0, 100).Select(_ => Guid.NewGuid()).ToArray();
        await ReserveAsync(admin, products, product, [.. orderIds.Select(orderId => (orderId, 1))]);
        Assert.Equal(50, await StockAsync(products, product));
        var replicas = app.ReplicaClients("productservice");
        Assert.Equal(2, replicas.Count);
        var exposition = await Metrics.ScrapeAsync(replicas[0]);
        var batchesBefore = Metrics.Sum(exposition, "write_batch_size_count", ("stage", ReleaseStage));
        var releasesBefore = Metrics.Sum(exposition, "write_batch_size_sum", ("stage", ReleaseStage));

        // Every order released twice at once: one by one on the first replica, in batches of 25 on the second.
        var oneByOne = orderIds.Select(async orderId =>
        {
            using var response = await replicas[0].SendAsync(
                admin.Request(HttpMethod.Delete, $"/api/products/reservations/{orderId}"));
            Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        });
        var batched = orderIds.Chunk(25).Select(chunk => ReleaseBatchAsync(admin, replicas[1], chunk));
        await Task.WhenAll(oneByOne.Concat(batched));

        Assert.Equal(150, await StockAsync(products, product));
        exposition = await Metrics.ScrapeAsync(replicas[0]);
        var batches = Metrics.Sum(exposition, "write_batch_size_count", ("stage", ReleaseStage)) - batchesBefore;
        var releases = Metrics.Sum(exposition, "write_batch_size_sum", ("stage", ReleaseStage)) - releasesBefore;
        Assert.True(releases >= orderIds.Length, $"{releases} releases recorded on the first replica");
        // One transaction per release would make as many batches as releases.
        Assert.True(batches <= releases / 2, $"{releases} releases in {batches} transactions");
        foreach (var replica in replicas)
        {
            replica.Dispose();
        }
    }

    [Fact]
    public async Task A_release_batch_over_the_batch_limit_is_a_400_problem()
    {
        var admin = await app.AdminAsync();
        using var products = app.Client("productservice");
        var orderIds = Enumerable.Range(0, 257).Select(_ => Guid.NewGuid()).ToArray();

        using var response = await products.SendAsync(
            admin.Request(HttpMethod.Post, "/api/products/reservations/releases", new { orderIds }));

        await response.AssertProblemAsync(HttpStatusCode.BadRequest);
    }

    private static async Task ReserveAsync(
        Caller admin, HttpClient products, Guid product, params (Guid OrderId, int Quantity)[] orders)
    {
        using var response = await products.SendAsync(admin.Request(
            HttpMethod.Post,
            "/api/products/reservations/batch",
            new
            {
                orders = orders.Select(order => new
                {
                    orderId = order.OrderId, items = new[] { new { productId = product, quantity = order.Quantity } },
                }),
            }));
        var results = (await response.ReadObjectAsync())["results"]!.AsArray();
        Assert.All(results, result => Assert.Equal("reserved", result!["outcome"]!.GetValue<string>()));
    }

    private static async Task ReleaseBatchAsync(Caller admin, HttpClient products, params Guid[] orderIds)
    {
        using var response = await products.SendAsync(
            admin.Request(HttpMethod.Post, "/api/products/reservations/releases", new { orderIds }));
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
    }

    private static async Task<int> StockAsync(HttpClient products, Guid productId) =>
        (await products.GetObjectAsync($"/api/products/{productId}"))["stock"]!.GetValue<int>();
}
