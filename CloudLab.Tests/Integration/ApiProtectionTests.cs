using System.Net.Http.Headers;
using System.Text.RegularExpressions;
using CloudLab.Tests.Infrastructure;
using Xunit.Abstractions;

namespace CloudLab.Tests.Integration;

[Collection(CloudLabCollection.Name)]
public sealed partial class ApiProtectionTests(CloudLabAppFixture app, ITestOutputHelper output)
{
    [Fact]
    public async Task A_body_over_10_MB_is_refused_413_with_the_limit_stated()
    {
        var admin = await app.AdminAsync();
        using var products = app.Client("productservice");
        using var request = admin.Request(HttpMethod.Post, "/api/products");
        request.Content = new ByteArrayContent(new byte[11 * 1024 * 1024]);
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.ExpectContinue = true; // the answer comes before the body is sent: no broken pipe

        using var response = await products.SendAsync(request);

        var problem = await response.AssertProblemAsync(HttpStatusCode.RequestEntityTooLarge);
        Assert.Contains("10 MB", problem["detail"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_huge_streamed_upload_is_cut_off_without_being_buffered()
    {
        var admin = await app.AdminAsync();
        using var orders = app.ReplicaClients("orderservice")[0];
        var allocatedBefore = await Metrics.SumAsync(orders, "dotnet_gc_heap_total_allocated_bytes_total");
        using var request = admin.Request(HttpMethod.Post, "/api/orders", idempotencyKey: Guid.NewGuid().ToString());
        // No Content-Length: chunked.
        request.Content = new StreamContent(new EndlessJsonStream(limit: 200L * 1024 * 1024));
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");

        HttpStatusCode? status = null;
        try
        {
            using var response = await orders.SendAsync(request);
            status = response.StatusCode;
        }
        catch (HttpRequestException)
        {
            // The server may close the connection while the client is still sending: the upload was cut off either way.
        }

        var allocated = await Metrics.SumAsync(orders, "dotnet_gc_heap_total_allocated_bytes_total") - allocatedBefore;
        output.WriteLine(
            $"status {status}; the service allocated {allocated / (1024 * 1024):F1} MB while refusing a 200 MB upload");
        Assert.True(status is null or HttpStatusCode.RequestEntityTooLarge, $"unexpected status {status}");
        Assert.True(allocated < 80 * 1024 * 1024, $"{allocated} bytes allocated for a refused upload");
    }

    [Fact]
    public async Task A_client_over_its_allowance_gets_429_with_Retry_After_while_another_is_unaffected()
    {
        var greedy = await app.RegisterCustomerAsync();
        var polite = await app.RegisterCustomerAsync();
        using var orders = app.Client("orderservice");
        var rejectionsBefore = await Metrics.SumAsync(orders, "rate_limit_rejections_total", ("layer", "client"));

        var burst = await Task.WhenAll(Enumerable.Range(0, 700).Select(async _ =>
        {
            using var response = await orders.SendAsync(greedy.Request(HttpMethod.Get, "/api/orders"));
            return (
                response.StatusCode,
                RetryAfter: response.Headers.RetryAfter?.Delta,
                Type: response.Content.Headers.ContentType?.MediaType);
        }));
        using var politeResponse = await orders.SendAsync(polite.Request(HttpMethod.Get, "/api/orders"));

        var refused = burst.Where(result => result.StatusCode == HttpStatusCode.TooManyRequests).ToList();
        output.WriteLine($"{refused.Count} of {burst.Length} requests refused");
        Assert.NotEmpty(refused);
        Assert.All(refused, result =>
        {
            Assert.NotNull(result.RetryAfter);
            Assert.True(result.RetryAfter >= TimeSpan.FromSeconds(1));
            Assert.Equal("application/problem+json", result.Type);
        });
        Assert.Equal(HttpStatusCode.OK, politeResponse.StatusCode);
        Assert.True(await Metrics.SumAsync(orders, "rate_limit_rejections_total", ("layer", "client"))
            >= rejectionsBefore + refused.Count);
        Assert.Equal("Healthy", await orders.GetStringAsync("/health")); // health is exempt
    }

    [Theory]
    [InlineData("gzip")]
    [InlineData("br")]
    public async Task Large_json_is_compressed_as_negotiated_and_small_json_is_not(string encoding)
    {
        using var client = new HttpClient(new HttpClientHandler { AutomaticDecompression = DecompressionMethods.None })
        {
            BaseAddress = app.App.GetEndpoint("productservice", "http"),
        };
        client.DefaultRequestHeaders.AcceptEncoding.Add(new StringWithQualityHeaderValue(encoding));

        using var page = await client.GetAsync("/api/products?page_size=100");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal(encoding, Assert.Single(page.Content.Headers.ContentEncoding));

        var productId = await app.CreateProductAsync(price: 1m, stock: 1);
        using var single = await client.GetAsync($"/api/products/{productId}");
        Assert.Equal(HttpStatusCode.OK, single.StatusCode);
        Assert.Empty(single.Content.Headers.ContentEncoding);
        Assert.NotNull(single.Content.Headers.ContentLength);

        using var plain = new HttpClient(new HttpClientHandler { AutomaticDecompression = DecompressionMethods.None })
        {
            BaseAddress = client.BaseAddress,
        };
        using var uncompressed = await plain.GetAsync("/api/products?page_size=100");
        Assert.Empty(uncompressed.Content.Headers.ContentEncoding);
    }

    [Fact]
    public async Task Metrics_carry_the_standard_names_and_route_templates_not_raw_paths()
    {
        var productId = await app.CreateProductAsync(price: 3m, stock: 3);
        using var replica = app.ReplicaClients("productservice")[0];
        await replica.GetObjectAsync($"/api/products/{productId}");
        await replica.GetObjectAsync($"/api/products/{productId}");
        await Task.Delay(TimeSpan.FromSeconds(6)); // one resource sample

        var exposition = await Metrics.ScrapeAsync(replica);

        foreach (var name in new[]
        {
            "api_request_duration_seconds_bucket",
            "database_query_duration_seconds_bucket",
            "cache_hit_rate",
            "resource_utilization_percent",
        })
        {
            Assert.Contains(name + "{", exposition, StringComparison.Ordinal);
        }

        Assert.Contains("route=\"/api/products/{id:guid}\"", exposition, StringComparison.Ordinal);
        Assert.Contains("resource_type=\"cpu\"", exposition, StringComparison.Ordinal);
        Assert.Contains("resource_type=\"memory\"", exposition, StringComparison.Ordinal);
        Assert.DoesNotMatch(GuidInRoute(), exposition);
    }

    [GeneratedRegex("route=\"[^\"]*[0-9a-f]{8}-[0-9a-f]{4}-")]
    private static partial Regex GuidInRoute();

    /// <summary>A JSON body that never ends (a string that keeps going), up to a safety limit.</summary>
    private sealed class EndlessJsonStream(long limit) : Stream
    {
        private static readonly byte[] Prefix = "{\"items\":[{\"productId\":\""u8.ToArray();
        private long _position;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => _position; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            if (_position >= limit)
            {
                return 0;
            }

            var written = 0;
            while (written < count && _position < limit)
            {
                buffer[offset + written++] = _position < Prefix.Length ? Prefix[_position] : (byte)'a';
                _position++;
            }

            return written;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
