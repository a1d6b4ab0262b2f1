using System.Diagnostics.Metrics;
using System.Globalization;
using System.Threading.RateLimiting;
using CloudLab.ServiceDefaults.Telemetry;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace CloudLab.ServiceDefaults.Http.RateLimiting;

internal static class RateLimitingExtensions
{
    public static IServiceCollection AddApiRateLimiting(this IServiceCollection services, IConfiguration configuration)
    {
        var options = configuration.GetSection("RateLimiting").Get<RateLimitingOptions>() ?? new RateLimitingOptions();
        services.AddSingleton(options);
        if (options.Enabled)
        {
            services.AddSingleton(provider => WithGauges(new LayeredRateLimiter(options), provider));
        }

        return services;
    }

    /// <summary>The limiter's middleware, when <c>RateLimiting:Enabled</c> (the default).</summary>
    public static IApplicationBuilder UseApiRateLimiting(this IApplicationBuilder app) =>
        app.ApplicationServices.GetService<LayeredRateLimiter>() is null
            ? app
            : app.UseMiddleware<ApiRateLimitingMiddleware>();

    /// <summary>The service layer's bound and what it holds, to see the adaptation at work under load.</summary>
    private static LayeredRateLimiter WithGauges(LayeredRateLimiter limiter, IServiceProvider provider)
    {
        var meter = provider.GetRequiredService<IMeterFactory>().Create(CloudLabMeters.Api);
        meter.CreateObservableGauge(
            "rate_limit_concurrency_limit",
            () => limiter.ConcurrencyLimit,
            description: "The service layer's bound on requests in flight now (it adapts to their latency; 0: none).");
        meter.CreateObservableGauge(
            "rate_limit_requests_in_flight",
            () => limiter.InFlight,
            description: "Requests the service layer admitted that have not finished.");
        return limiter;
    }

    /// <summary>429 with Retry-After and a problem naming the layer that refused, counted by layer.</summary>
    internal static async Task WriteRejectionAsync(HttpContext context, RateLimitLease lease)
    {
        var layer = lease.TryGetMetadata(LayeredRateLimiter.LayerMetadataName, out var value)
            ? (string)value!
            : "client";
        var retryAfter = lease.TryGetMetadata(MetadataName.RetryAfter, out var wait)
            ? wait
            : TimeSpan.FromSeconds(1);
        var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));

        context.RequestServices.GetRequiredService<ApiMetrics>().RecordRejection(layer);
        context.Response.StatusCode = StatusCodes.Status429TooManyRequests;
        context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        await context.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails =
            {
                Status = StatusCodes.Status429TooManyRequests,
                Title = "Too many requests",
                Detail = layer == "service"
                    ? $"The service is at its capacity; retry after {seconds} s."
                    : $"This client has used its request allowance; retry after {seconds} s.",
                Extensions = { ["limiter"] = layer, ["retryAfterSeconds"] = seconds },
            },
        });
    }
}
