using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.RateLimiting;

namespace CloudLab.ServiceDefaults.Http.RateLimiting;

/// <summary>
/// Puts every request through <see cref="LayeredRateLimiter"/> (endpoints marked <c>DisableRateLimiting()</c> pass),
/// holds its lease until the request ends, and answers a refusal with 429 at once. ASP.NET Core's rate-limiting
/// middleware did the same around the same limiter, plus per request an endpoint limiter that CloudLab has no policies
/// for (a partitioned limiter: a lock and a lookup to find "no limit"), a combined lease and metric contexts: 2.9 µs of
/// a ~72 µs cached read in a perf profile, of which the layered limiter itself is ~0.2.
/// </summary>
internal sealed class ApiRateLimitingMiddleware(RequestDelegate next, LayeredRateLimiter limiter)
{
    public Task InvokeAsync(HttpContext context)
    {
        if (context.GetEndpoint()?.Metadata.GetMetadata<DisableRateLimitingAttribute>() is not null)
        {
            return next(context);
        }

        var lease = limiter.AttemptAcquire(context);
        return lease.IsAcquired
            ? RunAsync(context, lease)
            : RateLimitingExtensions.WriteRejectionAsync(context, lease); // a refusal holds nothing to give back
    }

    private async Task RunAsync(HttpContext context, RateLimitLease lease)
    {
        try
        {
            await next(context);
        }
        finally
        {
            lease.Dispose(); // the in-flight slot and the request's latency go back to the service layer
        }
    }
}
