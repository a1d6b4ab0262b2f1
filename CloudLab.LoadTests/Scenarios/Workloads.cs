using System.Globalization;
using CloudLab.LoadTests.Engine;

namespace CloudLab.LoadTests.Scenarios;

/// <summary>A workload made of a request factory.</summary>
public sealed class DelegateWorkload(string name, Func<HttpRequestMessage> next) : IWorkload
{
    public string Name => name;

    public HttpRequestMessage NextRequest() => next();
}

/// <summary>Several workloads, picked at random in proportion to their weights.</summary>
public sealed class MixedWorkload(string name, IReadOnlyList<(IWorkload Workload, double Weight)> mix) : IWorkload
{
    private readonly double _total = mix.Sum(entry => entry.Weight);

    public string Name => name;

    public HttpRequestMessage NextRequest()
    {
        var pick = Random.Shared.NextDouble() * _total;
        foreach (var (workload, weight) in mix)
        {
            if ((pick -= weight) <= 0)
            {
                return workload.NextRequest();
            }
        }

        return mix[^1].Workload.NextRequest();
    }
}

/// <summary>The requests CloudLab's users make, over the seeded data.</summary>
public sealed class Workloads(Targets targets, Sessions? sessions, int seededProducts)
{
    private static readonly string[] Prefixes =
        ["compact", "classic", "deluxe", "eco", "ultra", "smart", "rugged", "portable", "premium", "essential"];

    public Targets Targets => targets;

    // Ids and addresses computed once rather than per request (an MD5 and a Uri parse each; a Uri is immutable and
    // safe to share): the driver's CPU is taken from the app it measures.
    private readonly Guid[] _orderableIds =
        [.. Enumerable.Range(1, seededProducts).Where(SeedData.IsOrderable).Select(SeedData.ProductId)];

    private readonly Guid[] _categoryIds = [.. Enumerable.Range(1, 20).Select(SeedData.CategoryId)];

    private readonly Uri[] _productPages =
    [
        .. Enumerable.Range(1, seededProducts)
            .Select(number => new Uri(targets.Product, $"/api/products/{SeedData.ProductId(number)}")),
    ];

    private readonly Uri _orders = new(targets.Order, "/api/orders");
    private readonly Uri _payments = new(targets.Payment, "/api/payments");
    private readonly Uri _me = new(targets.User, "/api/users/me");
    private readonly Uri _login = new(targets.User, "/api/auth/login");
    private readonly Uri _bare = new(targets.Product, "/calibration/bare");

    public int SeededProducts => seededProducts;

    /// <summary>Product 1, 2, 3, … in turn: one pass reads the whole catalogue.</summary>
    public IWorkload EveryProductOnce
    {
        get
        {
            var next = 0;
            return new DelegateWorkload("every-product", () =>
            {
                var number = Interlocked.Increment(ref next) % seededProducts + 1;
                return new HttpRequestMessage(HttpMethod.Get, _productPages[number - 1]);
            });
        }
    }

    public IWorkload Bare => new DelegateWorkload("bare", () => new HttpRequestMessage(HttpMethod.Get, _bare));

    public IWorkload ProductById => new DelegateWorkload("product-by-id", () =>
        new HttpRequestMessage(HttpMethod.Get, _productPages[Random.Shared.Next(seededProducts)]));

    public IWorkload ProductBrowse => new DelegateWorkload("product-browse", () => Random.Shared.Next(3) switch
    {
        0 => Get(targets.Product, $"/api/products?page={Random.Shared.Next(1, 51)}&page_size=20"),
        1 => Get(
            targets.Product,
            $"/api/products?category_id={_categoryIds[Random.Shared.Next(_categoryIds.Length)]}"
                + $"&page={Random.Shared.Next(1, 11)}"),
        _ => Get(targets.Product, "/api/categories"),
    });

    public IWorkload ProductSearch => new DelegateWorkload("product-search", () =>
        Get(
            targets.Product,
            $"/api/products?q={Prefixes[Random.Shared.Next(Prefixes.Length)]}"
                + $"&in_stock=true&page={Random.Shared.Next(1, 6)}"));

    /// <summary>ProductService's standard scenario: mostly product pages, some lists and searches.</summary>
    public IWorkload Product =>
        new MixedWorkload("product", [(ProductById, 80), (ProductBrowse, 15), (ProductSearch, 5)]);

    public IWorkload UserProfile => new DelegateWorkload("user-profile", () =>
        Sessions.Authorized(HttpMethod.Get, _me, RequireSessions().RandomCustomer()));

    public IWorkload UserLogin => new DelegateWorkload("user-login", () =>
        new HttpRequestMessage(HttpMethod.Post, _login)
        {
            Content = JsonBody.Create(new
            {
                email = SeedData.LoadTestEmail(Random.Shared.Next(1, RequireSessions().Count + 1)),
                password = SeedData.LoadTestPassword,
            }),
        });

    /// <summary>The full saga: price, reserve, charge, commit, event.</summary>
    public IWorkload OrderPlace => new DelegateWorkload("order-place", () =>
    {
        var request = Sessions.Authorized(HttpMethod.Post, _orders, RequireSessions().RandomCustomer());
        request.Headers.TryAddWithoutValidation("Idempotency-Key", Guid.NewGuid().ToString());
        request.Content = JsonBody.Create(new
        {
            items = new[]
            {
                new { productId = _orderableIds[Random.Shared.Next(_orderableIds.Length)], quantity = 1 },
            },
        });
        return request;
    });

    public IWorkload OrderList => new DelegateWorkload("order-list", () =>
        Sessions.Authorized(HttpMethod.Get, _orders, RequireSessions().RandomCustomer()));

    public IWorkload Order => new MixedWorkload("order", [(OrderPlace, 1)]);

    /// <summary>Charges as an admin (the role OrderService's service token has), each with its own key.</summary>
    public IWorkload PaymentCharge => new DelegateWorkload("payment-charge", () =>
    {
        var request = Sessions.Authorized(HttpMethod.Post, _payments, RequireSessions().AdminToken);
        request.Headers.TryAddWithoutValidation("Idempotency-Key", Guid.NewGuid().ToString());
        request.Content = JsonBody.Create(new
        {
            orderId = Guid.NewGuid(),
            userId = Guid.NewGuid(),
            amount = Math.Round(10 + Random.Shared.NextDouble() * 90, 2),
            currency = "USD",
        });
        return request;
    });

    public IWorkload AnalyticsRead => new DelegateWorkload("analytics", () => Random.Shared.Next(3) switch
    {
        0 => Sessions.Authorized(
            HttpMethod.Get,
            new Uri(targets.Analytics, "/api/analytics/sales?granularity=hour"),
            RequireSessions().AdminToken),
        1 => Sessions.Authorized(
            HttpMethod.Get,
            new Uri(targets.Analytics, "/api/analytics/sales?granularity=day"),
            RequireSessions().AdminToken),
        _ => Sessions.Authorized(
            HttpMethod.Get,
            new Uri(targets.Analytics, $"/api/analytics/top-products?limit={Random.Shared.Next(5, 21)}"),
            RequireSessions().AdminToken),
    });

    /// <summary>
    /// A storefront's day: browse and search, view products, sign in, order, look at orders, some reports.
    /// </summary>
    public IWorkload Mixed(string? mix)
    {
        var weights = ParseMix(mix ?? "browse=25,search=10,view=45,login=1,order=6,orders=8,profile=4,analytics=1");
        var parts = new Dictionary<string, IWorkload>
        {
            ["browse"] = ProductBrowse, ["search"] = ProductSearch, ["view"] = ProductById, ["login"] = UserLogin,
            ["order"] = OrderPlace, ["orders"] = OrderList, ["profile"] = UserProfile, ["analytics"] = AnalyticsRead,
        };
        var unknown = weights.Keys.Except(parts.Keys).ToList();
        return unknown.Count > 0
            ? throw new ArgumentException(
                $"--mix knows {string.Join(", ", parts.Keys)}; not {string.Join(", ", unknown)}.")
            : new MixedWorkload("mixed", weights.Select(weight => (parts[weight.Key], weight.Value)).ToList());
    }

    private Sessions RequireSessions() =>
        sessions ?? throw new InvalidOperationException("This workload needs signed-in users.");

    private static HttpRequestMessage Get(Uri service, string path) => new(HttpMethod.Get, new Uri(service, path));

    private static Dictionary<string, double> ParseMix(string mix) =>
        mix.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(part => part.Split('='))
            .ToDictionary(part => part[0], part => double.Parse(part[1], CultureInfo.InvariantCulture));
}
