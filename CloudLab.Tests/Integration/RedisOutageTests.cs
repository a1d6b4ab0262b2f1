using Aspire.Hosting.ApplicationModel;
using CloudLab.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace CloudLab.Tests.Integration;

/// <summary>Stops the real Redis under the running app and starts it again.</summary>
[Collection(CloudLabCollection.Name)]
public sealed class RedisOutageTests(CloudLabAppFixture app, ITestOutputHelper output)
{
    [Fact]
    public async Task Without_Redis_reads_and_writes_succeed_health_is_degraded_and_the_cache_recovers()
    {
        var admin = await app.AdminAsync();
        var productId = await app.CreateProductAsync(price: 20m, stock: 20);
        var otherId = await app.CreateProductAsync(price: 21m, stock: 21);
        var replicas = app.ReplicaClients("productservice");
        foreach (var replica in replicas)
        {
            await replica.GetObjectAsync($"/api/products/{productId}"); // in every replica's memory
        }

        var commands = app.App.Services.GetRequiredService<ResourceCommandService>();
        var errorsBefore = await Metrics.SumAsync(replicas[0], "cache_errors_total");
        Assert.True((await commands.ExecuteCommandAsync("redis", KnownResourceCommands.StopCommand)).Success);
        try
        {
            // Health says Degraded (still 200: the service serves) on every replica once it notices.
            foreach (var replica in replicas)
            {
                Assert.Equal("Degraded", await Eventually.GetAsync(async () =>
                {
                    var health = await replica.GetStringAsync("/health");
                    return health == "Degraded" ? health : null;
                }, TimeSpan.FromSeconds(15)));
            }

            // Reads: from memory, and from PostgreSQL for what memory lacks.
            Assert.Equal(
                20m, (await replicas[1].GetObjectAsync($"/api/products/{productId}"))["price"]!.GetValue<decimal>());
            Assert.Equal(
                21m, (await replicas[1].GetObjectAsync($"/api/products/{otherId}"))["price"]!.GetValue<decimal>());
            Assert.True(
                (await replicas[0].GetObjectAsync("/api/products?page_size=5"))["totalCount"]!.GetValue<int>() > 0);

            // Writes still succeed (PostgreSQL is the source of truth).
            var product = await replicas[0].GetObjectAsync($"/api/products/{productId}");
            product["price"] = 25m;
            using var updated = await replicas[0].SendAsync(
                admin.Request(HttpMethod.Put, $"/api/products/{productId}", product));
            Assert.Equal(HttpStatusCode.OK, updated.StatusCode);
            Assert.True(
                await Metrics.SumAsync(replicas[0], "cache_errors_total") > errorsBefore, "Redis failures are counted");
        }
        finally
        {
            Assert.True((await commands.ExecuteCommandAsync("redis", KnownResourceCommands.StartCommand)).Success);
        }

        await app.App.ResourceNotifications.WaitForResourceHealthyAsync("redis").WaitAsync(TimeSpan.FromSeconds(60));
        var restored = DateTime.UtcNow;
        foreach (var replica in replicas)
        {
            Assert.Equal("Healthy", await Eventually.GetAsync(async () =>
            {
                var health = await replica.GetStringAsync("/health");
                return health == "Healthy" ? health : null;
            }, TimeSpan.FromSeconds(30)));
        }

        // The replica that did not take the write must not keep serving its pre-outage copy: it drops its memory level
        // when its backplane subscription is back, and again after the repair window (10 s), well before the 1 min
        // L1 expiry.
        var price = await Eventually.GetAsync(async () =>
        {
            var seen = (await replicas[1].GetObjectAsync($"/api/products/{productId}"))["price"]!.GetValue<decimal>();
            return seen == 25m ? (decimal?)seen : null;
        }, TimeSpan.FromSeconds(20));
        output.WriteLine($"the stale copy on the other replica was replaced "
            + $"{(DateTime.UtcNow - restored).TotalSeconds:F1} s after Redis came back");
        Assert.Equal(25m, price);

        // Hits resume.
        var hitsBefore = await Metrics.SumAsync(
            replicas[1], "cache_requests_total", ("cache", "product"), ("result", "hit"));
        await replicas[1].GetObjectAsync($"/api/products/{otherId}");
        await replicas[1].GetObjectAsync($"/api/products/{otherId}");
        Assert.True(await Metrics.SumAsync(
            replicas[1], "cache_requests_total", ("cache", "product"), ("result", "hit")) >= hitsBefore + 1);
        foreach (var replica in replicas)
        {
            replica.Dispose();
        }
    }
}
