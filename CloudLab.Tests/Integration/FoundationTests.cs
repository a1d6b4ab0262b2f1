using CloudLab.Tests.Infrastructure;

namespace CloudLab.Tests.Integration;

[Collection(CloudLabCollection.Name)]
public sealed class FoundationTests(CloudLabAppFixture app)
{
    [Theory]
    [InlineData("userservice")]
    [InlineData("productservice")]
    [InlineData("orderservice")]
    [InlineData("paymentservice")]
    [InlineData("analyticsservice")]
    public async Task Every_service_and_replica_is_healthy(string service)
    {
        var replicas = app.ReplicaClients(service);
        Assert.NotEmpty(replicas);
        foreach (var replica in replicas)
        {
            using (replica)
            {
                Assert.Equal("Healthy", await replica.GetStringAsync("/health"));
                Assert.Equal("Healthy", await replica.GetStringAsync("/alive"));
            }
        }
    }

    /// <summary>
    /// Each replica's own output is in a file of its own (Diagnostics:ResourceLogDirectory), so a load or chaos run
    /// without the dashboard still shows why a service stopped.
    /// </summary>
    [Theory]
    [InlineData("productservice")]
    [InlineData("orderservice")]
    public async Task Each_replica_writes_its_output_to_a_file(string service)
    {
        var replicas = app.ReplicaClients(service);
        foreach (var replica in replicas)
        {
            replica.Dispose();
        }

        // Redis's client logs its connection at start-up: a line the service process itself wrote.
        var files = await Eventually.GetAsync(() => Task.FromResult<string[]?>(
            Directory.EnumerateFiles(app.ResourceLogDirectory, $"{service}-*.log")
                .Where(path => File.ReadAllText(path).Contains("ConnectionMultiplexer", StringComparison.Ordinal))
                .ToArray() is { } found && found.Length == replicas.Count
                ? found
                : null));
        Assert.NotNull(files);
    }

    [Fact]
    public void Product_and_user_services_run_two_replicas() =>
        Assert.All(
            new[] { "productservice", "userservice" },
            service => Assert.Equal(2, app.ReplicaClients(service).Count));

    [Fact]
    public async Task Each_service_answers_its_real_read_endpoint()
    {
        var customer = await app.RegisterCustomerAsync();
        var admin = await app.AdminAsync();
        using var products = app.Client("productservice");
        using var users = app.Client("userservice");
        using var orders = app.Client("orderservice");
        using var payments = app.Client("paymentservice");
        using var analytics = app.Client("analyticsservice");

        var page = await products.GetObjectAsync("/api/products?page_size=5");
        Assert.True(page["totalCount"]!.GetValue<int>() >= 10_000, "the seeded catalogue has 10,000 products");
        Assert.Equal(
            customer.Email, (await users.GetObjectAsync("/api/users/me", customer))["email"]!.GetValue<string>());
        Assert.Equal(0, (await orders.GetObjectAsync("/api/orders", customer))["totalCount"]!.GetValue<int>());
        var paymentsOfNoOrder = await payments.GetObjectAsync($"/api/payments?order_id={Guid.NewGuid()}", customer);
        Assert.Equal(0, paymentsOfNoOrder["totalCount"]!.GetValue<int>());
        Assert.NotNull((await analytics.GetObjectAsync("/api/analytics/sales", admin))["buckets"]);
    }

    [Fact]
    public async Task A_value_read_twice_is_served_from_cache_the_second_time()
    {
        var customer = await app.RegisterCustomerAsync();
        using var replica = app.ReplicaClients("userservice")[0];
        var hitsBefore = await Metrics.SumAsync(replica, "cache_requests_total", ("cache", "user"), ("result", "hit"));

        var first = await replica.GetObjectAsync("/api/users/me", customer);
        var second = await replica.GetObjectAsync("/api/users/me", customer);

        Assert.Equal(first.ToJsonString(), second.ToJsonString());
        var hitsAfter = await Metrics.SumAsync(replica, "cache_requests_total", ("cache", "user"), ("result", "hit"));
        Assert.True(hitsAfter >= hitsBefore + 1, $"cache hits went from {hitsBefore} to {hitsAfter}");
    }

    [Fact]
    public async Task The_profile_is_served_from_cached_json_with_a_private_etag_that_changes_with_it()
    {
        var customer = await app.RegisterCustomerAsync();
        using var replica = app.ReplicaClients("userservice")[0];

        using var first = await replica.SendAsync(customer.Request(HttpMethod.Get, "/api/users/me"));
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var etag = first.Headers.ETag!.Tag;
        Assert.True(first.Headers.CacheControl is { Private: true, NoCache: true });
        Assert.Equal(customer.Email, (await first.ReadObjectAsync())["email"]!.GetValue<string>());

        using var conditional = customer.Request(HttpMethod.Get, "/api/users/me");
        conditional.Headers.IfNoneMatch.Add(System.Net.Http.Headers.EntityTagHeaderValue.Parse(etag));
        using var notModified = await replica.SendAsync(conditional);
        Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);

        using var renamed = await replica.SendAsync(customer.Request(
            HttpMethod.Put, "/api/users/me", new { name = "Renamed Customer", preferences = new { } }));
        Assert.Equal(HttpStatusCode.OK, renamed.StatusCode);
        using var again = customer.Request(HttpMethod.Get, "/api/users/me");
        again.Headers.IfNoneMatch.Add(System.Net.Http.Headers.EntityTagHeaderValue.Parse(etag));
        using var changed = await replica.SendAsync(again);
        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        Assert.NotEqual(etag, changed.Headers.ETag!.Tag);
        Assert.Equal("Renamed Customer", (await changed.ReadObjectAsync())["name"]!.GetValue<string>());
    }
}
