using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using CloudLab.LoadTests.Scenarios;

namespace CloudLab.LoadTests.Chaos;

/// <summary>
/// Sets up the run's own products and, after the run, reads back what the services hold: the facts
/// <see cref="ChaosChecks"/> judges. Reads are retried a few times: the app has recovered by then, a lone 5xx is noise.
/// </summary>
public sealed class ChaosVerifier(HttpClient client, Targets targets, Sessions sessions)
{
    /// <summary>Products only this run orders, with known stock; a few scarce ones sell out (oversell).</summary>
    public async Task<Dictionary<Guid, int>> CreateProductsAsync(
        int count, int scarce, CancellationToken cancellationToken)
    {
        var run = Guid.NewGuid().ToString("N")[..8];
        var stock = new Dictionary<Guid, int>();
        for (var index = 0; index < count; index++)
        {
            var units = index < scarce ? 150 : 100_000;
            using var request = Sessions.Authorized(
                HttpMethod.Post, new Uri(targets.Product, "/api/products"), sessions.AdminToken);
            request.Content = JsonContent.Create(new
            {
                name = $"chaos {run} {index}",
                description = "Made by the chaos load-test plan.",
                categoryId = SeedData.CategoryId(1),
                price = 10 + index,
                currency = "USD",
                stock = units,
            });
            using var response = await client.SendAsync(request, cancellationToken);
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            if (response.StatusCode != HttpStatusCode.Created)
            {
                throw new InvalidOperationException($"Creating a product answered {(int)response.StatusCode}: {body}");
            }

            stock[JsonNode.Parse(body)!["id"]!.GetValue<Guid>()] = units;
        }

        return stock;
    }

    public async Task<Dictionary<Guid, PlacedOrder>> ReadBackAsync(
        IEnumerable<AcknowledgedOrder> orders, CancellationToken cancellationToken)
    {
        var found = new ConcurrentDictionary<Guid, PlacedOrder>();
        await ForEachAsync(orders, async order =>
        {
            var body = await GetAsync(
                new Uri(targets.Order, $"/api/orders/{order.Id}"),
                sessions.Customer(order.Customer),
                cancellationToken);
            if (body is not null)
            {
                found[order.Id] = ChaosJson.Order(body.AsObject());
            }
        });
        return new Dictionary<Guid, PlacedOrder>(found);
    }

    /// <summary>Every customer's orders that hold one of the run's products, as OrderService lists them.</summary>
    public async Task<List<PlacedOrder>> PlacedAsync(
        IReadOnlySet<Guid> products, CancellationToken cancellationToken)
    {
        var placed = new ConcurrentBag<PlacedOrder>();
        await ForEachAsync(Enumerable.Range(0, sessions.Count), async customer =>
        {
            for (var page = 1; ; page++)
            {
                var body = await GetAsync(
                    new Uri(targets.Order, $"/api/orders?page={page}&page_size=100"),
                    sessions.Customer(customer),
                    cancellationToken);
                if (body is null)
                {
                    break; // noted in Problems: the checks then miss these orders and say so
                }

                var items = body["items"]!.AsArray();
                foreach (var order in items.Select(item => ChaosJson.Order(item!.AsObject())))
                {
                    if (order.Lines.Any(line => products.Contains(line.ProductId)))
                    {
                        placed.Add(order);
                    }
                }

                if (items.Count < 100)
                {
                    break;
                }
            }
        });
        return [.. placed];
    }

    public async Task<Dictionary<Guid, int>> CapturedPaymentsAsync(
        IEnumerable<PlacedOrder> orders, CancellationToken cancellationToken)
    {
        var captured = new ConcurrentDictionary<Guid, int>();
        await ForEachAsync(orders, async order =>
        {
            var body = await GetAsync(
                new Uri(targets.Payment, $"/api/payments?order_id={order.Id}&page_size=100"),
                sessions.AdminToken,
                cancellationToken);
            captured[order.Id] = body?["items"]!.AsArray()
                .Count(payment => payment!["status"]!.GetValue<string>() == "captured") ?? -1;
        });
        return new Dictionary<Guid, int>(captured);
    }

    public async Task<Dictionary<Guid, int>> StockAsync(IEnumerable<Guid> products, CancellationToken cancellationToken)
    {
        var stock = new ConcurrentDictionary<Guid, int>();
        await ForEachAsync(products, async product =>
        {
            if (await GetAsync(new Uri(targets.Product, $"/api/products/{product}"), null, cancellationToken)
                is { } body)
            {
                stock[product] = body["stock"]!.GetValue<int>();
            }
        });
        return new Dictionary<Guid, int>(stock);
    }

    /// <summary>
    /// Analytics' per-product sales since the hour before the run began (its buckets are hours). Each read asks for a
    /// different end minute, so no cached report answers it.
    /// </summary>
    public async Task<Dictionary<Guid, ProductSales>> AnalyticsAsync(
        DateTimeOffset runStarted, int attempt, CancellationToken cancellationToken)
    {
        var from = new DateTimeOffset(runStarted.Year, runStarted.Month, runStarted.Day, runStarted.Hour, 0, 0,
            TimeSpan.Zero).AddHours(-1);
        var to = DateTimeOffset.UtcNow.AddHours(2).AddMinutes(attempt);
        var body = await GetAsync(
            new Uri(targets.Analytics,
                $"/api/analytics/top-products?limit=100&from={from.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ}"
                    + $"&to={to.UtcDateTime:yyyy-MM-ddTHH:mm:00Z}"),
            sessions.AdminToken,
            cancellationToken);
        return body?["products"]!.AsArray().ToDictionary(
            product => product!["productId"]!.GetValue<Guid>(),
            product => new ProductSales(product!["orders"]!.GetValue<int>(), product["units"]!.GetValue<int>()))
            ?? [];
    }

    /// <summary>What went wrong while reading back (the first few of each kind), for the report's notes.</summary>
    public ConcurrentDictionary<string, string> Problems { get; } = new(StringComparer.Ordinal);

    /// <summary>
    /// The JSON of a 200; null on a 404 or another 4xx (noted); a 5xx or no answer is retried twice, then noted.
    /// </summary>
    private async Task<JsonNode?> GetAsync(Uri uri, string? token, CancellationToken cancellationToken)
    {
        var what = $"GET {uri.AbsolutePath.Split('/')[2]}";
        for (var attempt = 1; ; attempt++)
        {
            using var request = token is null
                ? new HttpRequestMessage(HttpMethod.Get, uri)
                : Sessions.Authorized(HttpMethod.Get, uri, token);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(10));
            string problem;
            try
            {
                using var response = await client.SendAsync(request, timeout.Token);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return await response.Content.ReadFromJsonAsync<JsonNode>(cancellationToken);
                }

                if (response.StatusCode == HttpStatusCode.NotFound)
                {
                    return null;
                }

                problem = $"{(int)response.StatusCode} for {uri.PathAndQuery}";
                if ((int)response.StatusCode < 500)
                {
                    Problems.TryAdd($"{what} {(int)response.StatusCode}", problem);
                    return null;
                }
            }
            catch (Exception exception) when (
                exception is HttpRequestException
                || (exception is OperationCanceledException && !cancellationToken.IsCancellationRequested))
            {
                problem = $"no answer ({exception.GetType().Name}) for {uri.PathAndQuery}";
            }

            if (attempt == 3)
            {
                Problems.TryAdd($"{what} failed", problem);
                return null;
            }

            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
        }
    }

    /// <summary>Waits up to a minute for every service's /health; returns those that never answered Healthy.</summary>
    public async Task<List<string>> UnhealthyAsync(CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow.AddMinutes(1);
        var unhealthy = targets.All.ToList();
        while (unhealthy.Count > 0 && DateTime.UtcNow < deadline)
        {
            var healthy = new List<(string, Uri)>();
            foreach (var (service, url) in unhealthy)
            {
                try
                {
                    using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                    timeout.CancelAfter(TimeSpan.FromSeconds(2));
                    if (await client.GetStringAsync(new Uri(url, "/health"), timeout.Token) == "Healthy")
                    {
                        healthy.Add((service, url));
                    }
                }
                catch (Exception exception) when (
                    exception is HttpRequestException || !cancellationToken.IsCancellationRequested)
                {
                }
            }

            unhealthy.RemoveAll(healthy.Contains);
            if (unhealthy.Count > 0)
            {
                await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
            }
        }

        return unhealthy.Select(entry => entry.Item1).ToList();
    }

    private static async Task ForEachAsync<T>(IEnumerable<T> items, Func<T, Task> action)
    {
        using var parallel = new SemaphoreSlim(16);
        await Task.WhenAll(items.Select(async item =>
        {
            await parallel.WaitAsync();
            try
            {
                await action(item);
            }
            finally
            {
                parallel.Release();
            }
        }));
    }
}
