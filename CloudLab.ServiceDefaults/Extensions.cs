using CloudLab.ServiceDefaults.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Http.Resilience;
using Scalar.AspNetCore;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// The defaults every CloudLab service shares: telemetry, health, HTTP client defaults (discovery, resilience),
/// ProblemDetails, token validation, rate limiting and the other API protections, OpenAPI. The building blocks a
/// service opts into are separate calls: <c>AddServiceDatabase</c>, <c>AddServiceCache</c>, <c>AddEventOutbox</c>.
/// </summary>
public static class Extensions
{
    private const string LiveTag = "live";

    public static TBuilder AddServiceDefaults<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.ConfigureOpenTelemetry();

        builder.Services.AddHealthChecks().AddCheck("self", () => HealthCheckResult.Healthy(), [LiveTag]);

        builder.Services.AddServiceDiscovery();
        builder.Services.ConfigureHttpClientDefaults(http =>
        {
            http.ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
            {
                // Pooled keep-alive connections, recycled so DNS and replica changes are picked up.
                PooledConnectionLifetime = TimeSpan.FromMinutes(2),
                PooledConnectionIdleTimeout = TimeSpan.FromSeconds(60),
                MaxConnectionsPerServer = 256,
            });
            // The factory's logging handlers open a scope and log four lines per call; traces and the client
            // metrics already say the same, and the per-charge gateway call made them a cost per order.
            http.RemoveAllLoggers();
            http.AddStandardResilienceHandler();
            http.AddServiceDiscovery();
        });

        builder.Services.AddApiProtections(builder.Configuration);
        builder.Services.AddForwardedHeadersFromProxies(builder.Configuration);
        builder.AddJwtAuthentication();
        builder.Services.AddOpenApi(options =>
            options.AddOperationTransformer(SharedParametersTransformer.TransformAsync));
        return builder;
    }

    /// <summary>
    /// The shared middleware, in order: the client's address from a configured proxy, metrics, errors,
    /// authentication, rate limits, compression, authorization.
    /// </summary>
    public static WebApplication UseServiceDefaults(this WebApplication app)
    {
        app.UseForwardedHeadersFromProxies();
        app.UseCalibrationEndpoint();
        app.UseApiProtections();
        return app;
    }

    /// <summary>
    /// <c>/health</c> (every check; Degraded still answers 200), <c>/alive</c> (liveness), <c>/metrics</c>
    /// (Prometheus), and the OpenAPI document with its Scalar UI. Mapped in every environment: container hosts probe
    /// them.
    /// </summary>
    public static WebApplication MapDefaultEndpoints(this WebApplication app)
    {
        var exempt = new ExcludeFromApiMetricsAttribute();
        app.MapHealthChecks("/health").DisableRateLimiting().WithMetadata(exempt);
        app.MapHealthChecks("/alive", new HealthCheckOptions { Predicate = check => check.Tags.Contains(LiveTag) })
            .DisableRateLimiting().WithMetadata(exempt);
        app.MapMetricsEndpoint();
        app.MapOpenApi().DisableRateLimiting().WithMetadata(exempt);
        app.MapScalarApiReference().DisableRateLimiting().WithMetadata(exempt);
        return app;
    }
}
