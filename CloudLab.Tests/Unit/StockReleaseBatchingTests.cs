using System.Collections.Concurrent;
using System.Text.Json;
using CloudLab.OrderService.Domain;
using CloudLab.ServiceDefaults.Http;
using Microsoft.Extensions.DependencyInjection;

namespace CloudLab.Tests.Unit;

/// <summary>
/// OrderService gives stock back by the batch: releases that arrive while a release call is out wait for the next
/// one, and every order id reaches ProductService.
/// </summary>
public sealed class StockReleaseBatchingTests
{
    [Fact]
    public async Task Releases_made_while_a_release_call_is_out_go_together_in_the_next_call()
    {
        var product = new ReleaseEndpoint();
        await using var provider = Provider(product);
        var reservations = provider.GetRequiredService<IProductReservations>();

        var first = reservations.ReleaseAsync(Guid.NewGuid(), CancellationToken.None);
        await product.FirstCallArrived.Task.WaitAsync(TimeSpan.FromSeconds(10));
        var orderIds = Enumerable.Range(0, 100).Select(_ => Guid.NewGuid()).ToList();
        var rest = orderIds.Select(orderId => reservations.ReleaseAsync(orderId, CancellationToken.None)).ToList();
        product.ReleaseFirstCall.SetResult();
        await Task.WhenAll(rest.Append(first)).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(2, product.Calls.Count);
        Assert.Equal(orderIds.Order(), product.Calls[1].Order());
    }

    [Fact]
    public async Task A_release_call_that_fails_fails_every_release_of_its_batch_as_unavailable()
    {
        var product = new ReleaseEndpoint { Status = HttpStatusCode.ServiceUnavailable };
        product.ReleaseFirstCall.SetResult();
        await using var provider = Provider(product);
        var reservations = provider.GetRequiredService<IProductReservations>();

        var releases = Enumerable.Range(0, 3)
            .Select(_ => reservations.ReleaseAsync(Guid.NewGuid(), CancellationToken.None)).ToList();

        foreach (var release in releases)
        {
            await Assert.ThrowsAsync<DependencyUnavailableException>(() => release);
        }
    }

    private static ServiceProvider Provider(ReleaseEndpoint product)
    {
        var services = new ServiceCollection();
        services.AddMetrics();
        services.AddHttpClient<ProductCatalogClient>(http => http.BaseAddress = new Uri("http://productservice"))
            .ConfigurePrimaryHttpMessageHandler(() => product);
        services.AddSingleton<IProductReservations, ProductReservations>();
        return services.BuildServiceProvider();
    }

    /// <summary>ProductService's release endpoint: records each call's order ids; holds the first call.</summary>
    private sealed class ReleaseEndpoint : HttpMessageHandler
    {
        public ConcurrentQueue<List<Guid>> Received { get; } = new();

        public List<List<Guid>> Calls => [.. Received];

        public HttpStatusCode Status { get; init; } = HttpStatusCode.NoContent;

        public TaskCompletionSource FirstCallArrived { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource ReleaseFirstCall { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        protected override async Task<HttpResponseMessage> SendAsync(
            HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Assert.Equal(HttpMethod.Post, request.Method);
            Assert.Equal("/api/products/reservations/releases", request.RequestUri!.AbsolutePath);
            using var body = JsonDocument.Parse(await request.Content!.ReadAsStringAsync(cancellationToken));
            Received.Enqueue(body.RootElement.GetProperty("orderIds").EnumerateArray()
                .Select(id => id.GetGuid()).ToList());
            FirstCallArrived.TrySetResult();
            await ReleaseFirstCall.Task;
            return new HttpResponseMessage(Status);
        }
    }
}
