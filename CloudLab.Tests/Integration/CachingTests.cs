using System.Diagnostics;
using System.Text.Json.Nodes;
using CloudLab.Tests.Infrastructure;
using Xunit.Abstractions;

namespace CloudLab.Tests.Integration;

[Collection(CloudLabCollection.Name)]
public sealed class CachingTests(CloudLabAppFixture app, ITestOutputHelper output)
{
    [Fact]
    public async Task The_second_read_of_a_product_is_a_cache_hit_on_the_metrics()
    {
        var productId = await app.CreateProductAsync(price: 9m, stock: 9);
        using var replica = app.ReplicaClients("productservice")[0];
        var before = await Metrics.SumAsync(replica, "cache_requests_total", ("cache", "product"), ("result", "hit"));

        await replica.GetObjectAsync($"/api/products/{productId}");
        await replica.GetObjectAsync($"/api/products/{productId}");

        var after = await Metrics.SumAsync(replica, "cache_requests_total", ("cache", "product"), ("result", "hit"));
        Assert.True(after >= before + 2, $"product cache hits went from {before} to {after}");
        var exposition = await Metrics.ScrapeAsync(replica);
        Assert.Contains("cache_hit_rate{", exposition, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_update_on_one_replica_is_seen_on_the_other()
    {
        var productId = await app.CreateProductAsync(price: 10m, stock: 10);
        var admin = await app.AdminAsync();
        var replicas = app.ReplicaClients("productservice");
        Assert.Equal(2, replicas.Count);
        var (writer, reader) = (replicas[0], replicas[1]);
        var delays = new List<double>();

        for (var round = 0; round < 10; round++)
        {
            // Now in the reader's memory cache.
            var original = await reader.GetObjectAsync($"/api/products/{productId}");
            var newName = $"Renamed {Guid.NewGuid():N}";
            var update = original.DeepClone().AsObject();
            update["name"] = newName;
            using var updated = await writer.SendAsync(
                admin.Request(HttpMethod.Put, $"/api/products/{productId}", update));
            Assert.Equal(HttpStatusCode.OK, updated.StatusCode);
            var written = Stopwatch.StartNew();

            // Polled back to back (5 ms apart), so the delay is measured, not the polling interval.
            while ((await reader.GetObjectAsync($"/api/products/{productId}"))["name"]!.GetValue<string>() != newName)
            {
                Assert.True(
                    written.Elapsed < TimeSpan.FromSeconds(5), "the other replica kept serving the old value for 5 s");
                await Task.Delay(5);
            }

            delays.Add(written.Elapsed.TotalMilliseconds);
        }

        delays.Sort();
        output.WriteLine($"the other replica served the new value {delays[delays.Count / 2]:F1} ms "
            + $"(median of {delays.Count}) and at most {delays[^1]:F1} ms after the write returned");
        foreach (var replica in replicas)
        {
            replica.Dispose();
        }
    }

    [Fact]
    public async Task Changing_a_product_drops_the_cached_list_pages_that_contain_it()
    {
        var admin = await app.AdminAsync();
        var prefix = $"Tagged {Guid.NewGuid():N}"[..20];
        var productId = await app.CreateProductAsync(price: 1m, stock: 1, name: prefix + " one");
        var replicas = app.ReplicaClients("productservice");
        var query = $"/api/products?q={Uri.EscapeDataString(prefix)}";
        foreach (var replica in replicas)
        {
            // Cached on each replica.
            Assert.Equal(1, (await replica.GetObjectAsync(query))["totalCount"]!.GetValue<int>());
        }

        var product = await replicas[0].GetObjectAsync($"/api/products/{productId}");
        product["price"] = 2m;
        using var updated = await replicas[0].SendAsync(
            admin.Request(HttpMethod.Put, $"/api/products/{productId}", product));
        Assert.Equal(HttpStatusCode.OK, updated.StatusCode);

        foreach (var replica in replicas)
        {
            var price = await Eventually.GetAsync(async () =>
            {
                var items = (await replica.GetObjectAsync(query))["items"]!.AsArray();
                return items[0]!["price"]!.GetValue<decimal>() == 2m ? (decimal?)2m : null;
            }, TimeSpan.FromSeconds(5));
            Assert.Equal(2m, price);
            replica.Dispose();
        }
    }

    [Fact]
    public async Task A_stampede_of_concurrent_misses_queries_the_database_once_per_replica()
    {
        var missingId = Guid.NewGuid(); // never cached: every replica has to ask the database
        var replicas = app.ReplicaClients("productservice");
        var before = await Task.WhenAll(replicas.Select(replica => QueriesAsync(replica)));

        var statuses = await Task.WhenAll(Enumerable.Range(0, 100).Select(async index =>
        {
            using var response = await replicas[index % replicas.Count].GetAsync($"/api/products/{missingId}");
            return response.StatusCode;
        }));

        Assert.All(statuses, status => Assert.Equal(HttpStatusCode.NotFound, status));
        var after = await Task.WhenAll(replicas.Select(replica => QueriesAsync(replica)));
        var perReplica = after.Zip(before, (a, b) => a - b).ToList();
        output.WriteLine($"database queries per replica: {string.Join(", ", perReplica)}");
        Assert.All(perReplica, queries => Assert.True(queries <= 1, $"{queries} queries on one replica"));
        Assert.InRange(perReplica.Sum(), 1, replicas.Count);
        foreach (var replica in replicas)
        {
            replica.Dispose();
        }
    }

    private static Task<double> QueriesAsync(HttpClient replica) =>
        Metrics.SumAsync(
            replica, "database_query_duration_seconds_count", ("table", "products"), ("operation", "get_by_id"));
}
