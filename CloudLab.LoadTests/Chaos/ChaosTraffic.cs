using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using CloudLab.LoadTests.Scenarios;

namespace CloudLab.LoadTests.Chaos;

/// <summary>
/// The chaos run's steady workload, open model: orders of the run's own products at a constant rate by random
/// customers, and product reads, each request counted in the second it was due. Keeps every acknowledged order.
/// </summary>
public sealed class ChaosTraffic(
    HttpClient client, Targets targets, Sessions sessions, IReadOnlyList<Guid> products, int seededProducts)
{
    /// <summary>Longer than any service's own deadline: the service answers first, the driver waits for it.</summary>
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(15);

    private const int MaxInFlight = 4000;

    private readonly ConcurrentBag<Task> _requests = [];
    private int _inFlight;
    private int _skipped;

    public ChaosTimeline Timeline { get; } = new();

    /// <summary>The share of the rates sent now: a warm-up ramps it up to 1.</summary>
    public double RateFactor { get; set; } = 1;

    public ConcurrentBag<AcknowledgedOrder> Acknowledged { get; } = [];

    /// <summary>Requests not sent because <see cref="MaxInFlight"/> were waiting: the driver's limit.</summary>
    public int Skipped => _skipped;

    /// <summary>Sends until <paramref name="stop"/>, then waits for every answer.</summary>
    public async Task RunAsync(Stopwatch clock, double orderRate, double readRate, CancellationToken stop)
    {
        double ordersDue = 0, readsDue = 0;
        var last = clock.Elapsed.TotalSeconds;
        while (!stop.IsCancellationRequested)
        {
            var now = clock.Elapsed.TotalSeconds;
            var second = (int)now;
            ordersDue += (now - last) * orderRate * RateFactor;
            readsDue += (now - last) * readRate * RateFactor;
            last = now;
            for (; ordersDue >= 1; ordersDue--)
            {
                Send(second, ChaosRequestKind.Order, PlaceOrderAsync);
            }

            for (; readsDue >= 1; readsDue--)
            {
                Send(second, ChaosRequestKind.Read, ReadProductAsync);
            }

            try
            {
                await Task.Delay(5, stop);
            }
            catch (OperationCanceledException)
            {
            }
        }

        await Task.WhenAll(_requests);
    }

    private void Send(int second, string kind, Func<CancellationToken, Task<int>> request)
    {
        if (Interlocked.Increment(ref _inFlight) > MaxInFlight)
        {
            Interlocked.Decrement(ref _inFlight);
            Interlocked.Increment(ref _skipped);
            return;
        }

        _requests.Add(Task.Run(async () =>
        {
            int status;
            using var timeout = new CancellationTokenSource(RequestTimeout);
            try
            {
                status = await request(timeout.Token);
            }
            catch (Exception exception) when (exception is HttpRequestException or OperationCanceledException)
            {
                status = 0;
            }
            finally
            {
                Interlocked.Decrement(ref _inFlight);
            }

            Timeline.Record(second, kind, status);
        }));
    }

    private async Task<int> PlaceOrderAsync(CancellationToken cancellationToken)
    {
        var customer = Random.Shared.Next(sessions.Count);
        var product = products[Random.Shared.Next(products.Count)];
        var quantity = Random.Shared.Next(1, 4);
        using var request = Sessions.Authorized(
            HttpMethod.Post, new Uri(targets.Order, "/api/orders"), sessions.Customer(customer));
        request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
        request.Content = JsonContent.Create(new { items = new[] { new { productId = product, quantity } } });
        using var response = await client.SendAsync(request, cancellationToken);
        if (response.StatusCode == HttpStatusCode.Created)
        {
            var order = ChaosJson.Order(
                (await response.Content.ReadFromJsonAsync<JsonObject>(cancellationToken))!);
            Acknowledged.Add(new AcknowledgedOrder(order.Id, order.PaymentId, customer, order.Lines));
        }

        return (int)response.StatusCode;
    }

    /// <summary>Half the reads are the run's products (whose stock orders change), half the seeded ones.</summary>
    private async Task<int> ReadProductAsync(CancellationToken cancellationToken)
    {
        var id = Random.Shared.Next(2) == 0
            ? products[Random.Shared.Next(products.Count)]
            : SeedData.ProductId(Random.Shared.Next(1, seededProducts + 1));
        using var response = await client.GetAsync(
            new Uri(targets.Product, $"/api/products/{id}"),
            HttpCompletionOption.ResponseContentRead,
            cancellationToken);
        return (int)response.StatusCode;
    }
}

/// <summary>The few fields of the services' JSON the chaos run reads.</summary>
public static class ChaosJson
{
    public static PlacedOrder Order(JsonObject order) =>
        new(
            order["id"]!.GetValue<Guid>(),
            order["status"]!.GetValue<string>(),
            order["paymentId"]?.GetValue<Guid?>(),
            order["items"]!.AsArray()
                .Select(item => new OrderLine(item!["productId"]!.GetValue<Guid>(), item["quantity"]!.GetValue<int>()))
                .ToList());
}
