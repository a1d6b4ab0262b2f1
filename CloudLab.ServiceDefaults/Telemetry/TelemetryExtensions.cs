using CloudLab.ServiceDefaults.Http;
using CloudLab.ServiceDefaults.Telemetry;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Microsoft.Extensions.Hosting;

public static class TelemetryExtensions
{
    internal const string HostingDiagnosticsLogger = "Microsoft.AspNetCore.Hosting.Diagnostics";

    internal static TBuilder ConfigureOpenTelemetry<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        // Npgsql and FusionCache (2.9) log every command and every cache call at Information: on a hot path that costs
        // more than the work itself (FusionCache's log line alone cost ~60 µs of CPU per cached read). Warnings still
        // come through. IHttpClientFactory logs four lines per outgoing call; traces and metrics already say the same.
        builder.Logging.AddFilter("Npgsql", LogLevel.Warning);
        builder.Logging.AddFilter("ZiggyCreatures.Caching.Fusion", LogLevel.Warning);
        builder.Logging.AddFilter("System.Net.Http.HttpClient", LogLevel.Warning);
        // Polly logs every attempt, and every failed one with its stack: under a dependency outage that is a log storm.
        // The resilience pipeline's own metrics (meter "Polly") and the 503 warnings say what happened.
        builder.Logging.AddFilter("Polly", LogLevel.None);
        // ASP.NET Core's hosting logger, when enabled at any level, opens a logging scope for every request (and makes
        // an Activity for it when no tracer listens). Its request lines are Information and filtered out anyway; what
        // it logs above that (startup failures) the host logs as well. Errors inside requests come from the exception
        // handler and Kestrel, whose loggers stay on.
        builder.Logging.AddFilter(HostingDiagnosticsLogger, LogLevel.None);
        builder.Logging.AddOpenTelemetry(logging =>
        {
            logging.IncludeFormattedMessage = true;
            logging.IncludeScopes = true;
        });

        var sampleRatio = builder.Configuration.GetValue("Telemetry:TraceSampleRatio", 1.0);
        builder.Services.AddOpenTelemetry()
            .WithMetrics(metrics => metrics
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                .AddMeter(CloudLabMeters.All)
                .AddMeter("Polly")
                // The standard's api_request_duration_seconds (RequestMetricsMiddleware) is the request histogram;
                // ASP.NET Core's own would record every request a second time.
                .AddView("http.server.request.duration", MetricStreamConfiguration.Drop)
                // The rate-limiting middleware's lease duration is one more histogram per admitted request, the same
                // as the request's duration; its counters (aspnetcore.rate_limiting.requests) stay.
                .AddView("aspnetcore.rate_limiting.request_lease.duration", MetricStreamConfiguration.Drop)
                // Leases held: the limiter's in-flight bound counts them, and hosting's active requests says as much.
                .AddView("aspnetcore.rate_limiting.active_request_leases", MetricStreamConfiguration.Drop)
                // Requests in flight: the service layer's gauge rate_limit_requests_in_flight says the same. With this
                // and the duration both off, hosting skips its metrics for a request altogether (two counter updates,
                // a tags feature and a timestamp per request).
                .AddView("http.server.active_requests", MetricStreamConfiguration.Drop)
                // Per request, and not asked for by the standard: Kestrel's buffer pool counts every rent and return
                // (~1.1 µs of a cached read's ~70 µs of CPU in a perf profile; its allocated and evicted counters
                // stay), routing counts every match (the request histogram has the route), authentication times each
                // token check (its failures are 401s in the request histogram).
                .AddView("aspnetcore.memory_pool.rented", MetricStreamConfiguration.Drop)
                .AddView("aspnetcore.memory_pool.pooled", MetricStreamConfiguration.Drop)
                .AddView("aspnetcore.routing.match_attempts", MetricStreamConfiguration.Drop)
                .AddView("aspnetcore.authentication.authenticate.duration", MetricStreamConfiguration.Drop)
                .AddPrometheusExporter(prometheus => prometheus.ScrapeResponseCacheDurationMilliseconds = 0))
            .WithTracing(tracing => tracing
                .SetSampler(new RequestSampler(sampleRatio))
                .AddSource(builder.Environment.ApplicationName)
                .AddSource(CloudLabMeters.Events)
                // Server spans come from RequestTracing, made only for sampled requests; ASP.NET Core's instrumentation
                // would make an Activity for every request.
                .AddSource(RequestTracing.SourceName)
                .AddHttpClientInstrumentation());
        builder.Services.AddSingleton<IStartupFilter>(new RequestTracingStartupFilter(sampleRatio));

        // OTLP goes to the Aspire dashboard when the AppHost provides an endpoint. Tests switch it off: with no
        // collector listening, every service would wait ~13 s at shutdown trying to flush.
        var otlpEndpoint = builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"];
        if (!string.IsNullOrWhiteSpace(otlpEndpoint) && builder.Configuration.GetValue("Telemetry:OtlpExport", true))
        {
            builder.Services.AddOpenTelemetry().UseOtlpExporter();
        }

        builder.Services.AddSingleton<ResourceUtilizationMonitor>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ResourceUtilizationMonitor>());
        builder.Services.AddOptions<ResourceMonitoringOptions>().BindConfiguration("ResourceMonitoring");
        return builder;
    }

    /// <summary>Prometheus text format at <c>/metrics</c>, next to OTLP.</summary>
    internal static WebApplication MapMetricsEndpoint(this WebApplication app)
    {
        app.MapPrometheusScrapingEndpoint("/metrics")
            .DisableRateLimiting()
            .WithMetadata(new ExcludeFromApiMetricsAttribute());
        return app;
    }

    internal static bool IsInfrastructurePath(PathString path) =>
        path.StartsWithSegments("/health") || path.StartsWithSegments("/alive") || path.StartsWithSegments("/metrics");
}
