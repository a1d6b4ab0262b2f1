using System.Security.Claims;
using System.Threading.RateLimiting;
using CloudLab.ServiceDefaults.Http.RateLimiting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Time.Testing;

namespace CloudLab.Tests.Unit;

public sealed class LayeredRateLimiterTests
{
    [Fact]
    public void A_client_over_its_bucket_is_refused_by_the_client_layer_while_another_client_is_served()
    {
        using var limiter = new LayeredRateLimiter(new RateLimitingOptions
        {
            PerClient = new ClientLimits { AuthenticatedPermitsPerSecond = 10, AuthenticatedBurst = 5 },
        });
        var greedy = Caller("greedy");
        var polite = Caller("polite");

        var leases = Enumerable.Range(0, 6).Select(_ => limiter.AttemptAcquire(greedy)).ToList();

        Assert.All(leases.Take(5), lease => Assert.True(lease.IsAcquired));
        var refused = leases[5];
        Assert.False(refused.IsAcquired);
        Assert.True(refused.TryGetMetadata(LayeredRateLimiter.LayerMetadataName, out var layer));
        Assert.Equal("client", layer);
        Assert.True(refused.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) && retryAfter > TimeSpan.Zero);
        Assert.True(limiter.AttemptAcquire(polite).IsAcquired);
    }

    [Fact]
    public void Beyond_the_service_capacity_requests_are_shed_by_the_service_layer()
    {
        using var limiter = new LayeredRateLimiter(new RateLimitingOptions
        {
            PerClient = new ClientLimits
            {
                AnonymousPermitsPerSecond = 1000,
                AnonymousBurst = 1000,
                AuthenticatedPermitsPerSecond = 1000,
                AuthenticatedBurst = 1000,
            },
            Service = new ServiceLimits { BurstPermitsPerSecond = 20, Instances = 2 }, // 10 per instance
        });

        var leases = Enumerable.Range(0, 11).Select(index => limiter.AttemptAcquire(Caller($"user-{index}"))).ToList();

        Assert.Equal(10, leases.Count(lease => lease.IsAcquired));
        var shed = leases.Single(lease => !lease.IsAcquired);
        Assert.True(shed.TryGetMetadata(LayeredRateLimiter.LayerMetadataName, out var layer));
        Assert.Equal("service", layer);
    }

    [Fact]
    public void Requests_past_the_in_flight_bound_are_refused_until_one_finishes()
    {
        using var limiter = new LayeredRateLimiter(new RateLimitingOptions
        {
            PerClient = new ClientLimits { AuthenticatedPermitsPerSecond = 1000, AuthenticatedBurst = 1000 },
            Service = new ServiceLimits { MaxConcurrentRequests = 2 },
        });

        var first = limiter.AttemptAcquire(Caller("a"));
        var second = limiter.AttemptAcquire(Caller("b"));
        var third = limiter.AttemptAcquire(Caller("c"));

        Assert.True(first.IsAcquired && second.IsAcquired);
        Assert.False(third.IsAcquired);
        Assert.True(third.TryGetMetadata(LayeredRateLimiter.LayerMetadataName, out var layer));
        Assert.Equal("service", layer);
        first.Dispose(); // the request ended
        using var fourth = limiter.AttemptAcquire(Caller("d"));
        Assert.True(fourth.IsAcquired);
        second.Dispose();
    }

    [Fact]
    public void Anonymous_callers_are_told_apart_by_address()
    {
        using var limiter = new LayeredRateLimiter(new RateLimitingOptions
        {
            PerClient = new ClientLimits { AnonymousPermitsPerSecond = 10, AnonymousBurst = 1 },
        });

        Assert.True(limiter.AttemptAcquire(FromAddress("10.0.0.1")).IsAcquired);
        Assert.False(limiter.AttemptAcquire(FromAddress("10.0.0.1")).IsAcquired);
        Assert.True(limiter.AttemptAcquire(FromAddress("10.0.0.2")).IsAcquired);
    }

    [Fact]
    public void A_service_token_has_its_own_bucket_that_no_customer_can_exhaust()
    {
        using var limiter = new LayeredRateLimiter(new RateLimitingOptions
        {
            PerClient = new ClientLimits
            {
                AuthenticatedPermitsPerSecond = 10,
                AuthenticatedBurst = 5,
                ServicePermitsPerSecond = 100,
                ServiceBurst = 50,
            },
        });
        // A customer whose id happens to equal the calling service's name still counts in a customer's bucket.
        var customer = Caller("orderservice");
        var orderService = ServiceCaller("orderservice");

        var customerLeases = Enumerable.Range(0, 6).Select(_ => limiter.AttemptAcquire(customer)).ToList();
        var serviceLeases = Enumerable.Range(0, 50).Select(_ => limiter.AttemptAcquire(orderService)).ToList();

        Assert.False(customerLeases[5].IsAcquired);
        Assert.All(serviceLeases, lease => Assert.True(lease.IsAcquired));
        Assert.False(limiter.AttemptAcquire(orderService).IsAcquired); // its own bucket has a bound too
    }

    [Fact]
    public void A_service_calling_back_into_an_excluded_endpoint_is_limited_only_by_its_own_service_sized_bucket()
    {
        // Default per-client limits; a service layer far below the simulated gateway's rate.
        using var limiter = new LayeredRateLimiter(new RateLimitingOptions
        {
            Service = new ServiceLimits { BurstPermitsPerSecond = 10, MaxConcurrentRequests = 10 },
        });
        var gatewayCall = ServiceCaller("paymentservice");
        gatewayCall.SetEndpoint(new Endpoint(
            null, new EndpointMetadataCollection(new ExcludeFromServiceCapacityAttribute()), "simulated gateway"));
        var apiCall = ServiceCaller("paymentservice");

        // A burst of 2,000 charges in flight at once (the standard's burst rate for payments, for one second).
        var leases = Enumerable.Range(0, 2_000).Select(_ => limiter.AttemptAcquire(gatewayCall)).ToList();

        Assert.All(leases, lease => Assert.True(lease.IsAcquired));
        var shedAtTheDoor = Enumerable.Range(0, 11).Select(_ => limiter.AttemptAcquire(apiCall)).ToList();
        Assert.Contains(shedAtTheDoor, lease => !lease.IsAcquired); // the service layer still guards the API itself
        leases.ForEach(lease => lease.Dispose());
        shedAtTheDoor.ForEach(lease => lease.Dispose());
    }

    [Fact]
    public void A_refused_client_is_served_again_as_its_bucket_refills_and_the_retry_after_says_when()
    {
        var time = new FakeTimeProvider();
        using var limiter = new LayeredRateLimiter(new RateLimitingOptions
        {
            PerClient = new ClientLimits { AuthenticatedPermitsPerSecond = 10, AuthenticatedBurst = 5 },
        }, time);
        var client = Caller("refilled");

        Assert.All(Enumerable.Range(0, 5), _ => Assert.True(limiter.AttemptAcquire(client).IsAcquired));
        var refused = limiter.AttemptAcquire(client);
        Assert.False(refused.IsAcquired);
        Assert.True(refused.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter));
        Assert.Equal(TimeSpan.FromMilliseconds(100), retryAfter); // one permit comes back every 100 ms at 10/s

        time.Advance(TimeSpan.FromMilliseconds(99));
        Assert.False(limiter.AttemptAcquire(client).IsAcquired);
        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.True(limiter.AttemptAcquire(client).IsAcquired);
        Assert.False(limiter.AttemptAcquire(client).IsAcquired);

        // A second of quiet refills the bucket to its burst, not beyond it.
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(5, Enumerable.Range(0, 10).Count(_ => limiter.AttemptAcquire(client).IsAcquired));
    }

    [Fact]
    public void An_idle_client_bucket_is_dropped_and_a_returning_client_starts_full()
    {
        var time = new FakeTimeProvider();
        using var limiter = new LayeredRateLimiter(new RateLimitingOptions
        {
            PerClient = new ClientLimits { AnonymousPermitsPerSecond = 10, AnonymousBurst = 2 },
        }, time);
        var client = FromAddress("10.0.0.9");
        Assert.True(limiter.AttemptAcquire(client).IsAcquired);
        Assert.NotNull(limiter.GetStatistics(client));

        time.Advance(TimeSpan.FromSeconds(21)); // full for more than 10 s by the second sweep
        Assert.Null(limiter.GetStatistics(client));
        Assert.Equal(2, Enumerable.Range(0, 3).Count(_ => limiter.AttemptAcquire(client).IsAcquired));
    }

    [Fact]
    public void An_in_flight_slot_is_given_back_once_however_often_its_lease_is_disposed()
    {
        using var limiter = new LayeredRateLimiter(new RateLimitingOptions
        {
            PerClient = new ClientLimits { AuthenticatedPermitsPerSecond = 1000, AuthenticatedBurst = 1000 },
            Service = new ServiceLimits { MaxConcurrentRequests = 2 },
        });

        var first = limiter.AttemptAcquire(Caller("a"));
        using var second = limiter.AttemptAcquire(Caller("b"));
        Assert.Equal(2, limiter.InFlight);
        first.Dispose();
        first.Dispose();
        Assert.Equal(1, limiter.InFlight);
        var third = limiter.AttemptAcquire(Caller("c"));
        var refused = limiter.AttemptAcquire(Caller("d"));
        Assert.False(refused.IsAcquired);
        refused.Dispose(); // a refusal holds no slot
        Assert.Equal(2, limiter.InFlight);
        third.Dispose();
        Assert.Equal(1, limiter.InFlight);
    }

    private static DefaultHttpContext ServiceCaller(string serviceName) => new()
    {
        User = new ClaimsPrincipal(new ClaimsIdentity(
            [new Claim("sub", serviceName), new Claim("role", CloudLab.ServiceDefaults.Auth.Roles.Service)],
            "test",
            "sub",
            "role")),
    };

    private static DefaultHttpContext Caller(string userId) =>
        new() { User = new ClaimsPrincipal(new ClaimsIdentity([new Claim("sub", userId)], "test")) };

    private static DefaultHttpContext FromAddress(string address) =>
        new() { Connection = { RemoteIpAddress = System.Net.IPAddress.Parse(address) } };
}
