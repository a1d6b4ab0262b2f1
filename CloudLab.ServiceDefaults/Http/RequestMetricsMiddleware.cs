using System.Diagnostics;
using CloudLab.ServiceDefaults.Telemetry;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CloudLab.ServiceDefaults.Http;

public sealed class RequestMetricsOptions
{
    /// <summary>Requests slower than this are logged as warnings (the standard's 200 ms).</summary>
    public TimeSpan SlowRequestThreshold { get; set; } = TimeSpan.FromMilliseconds(200);
}

/// <summary>
/// Records <c>api_request_duration_seconds</c> for every API request and logs the slow ones: at most one warning a
/// second, which counts the slow requests it stands for (the histogram has them all).
/// </summary>
public sealed class RequestMetricsMiddleware(
    RequestDelegate next,
    ApiMetrics metrics,
    IOptions<RequestMetricsOptions> options,
    ILogger<RequestMetricsMiddleware> logger)
{
    private readonly TimeSpan _slowThreshold = options.Value.SlowRequestThreshold;
    private readonly LogThrottle _slowLog = new(TimeSpan.FromSeconds(1));

    public async Task InvokeAsync(HttpContext context)
    {
        var started = Stopwatch.GetTimestamp();
        // Routing has run already; taken now because the exception handler clears the endpoint when a request fails.
        var endpoint = context.GetEndpoint();
        try
        {
            await next(context);
        }
        finally
        {
            if (endpoint?.Metadata.GetMetadata<ExcludeFromApiMetricsAttribute>() is null)
            {
                Record(context, endpoint, Stopwatch.GetElapsedTime(started));
            }
        }
    }

    private void Record(HttpContext context, Endpoint? endpoint, TimeSpan elapsed)
    {
        // The route template, never the raw path: ids in paths would explode the metric's cardinality.
        var route = (endpoint as RouteEndpoint)?.RoutePattern.RawText ?? "unmatched";
        var status = context.RequestAborted.IsCancellationRequested && !context.Response.HasStarted
            ? 499
            : context.Response.StatusCode;
        metrics.RecordRequest(context.Request.Method, route, status, elapsed);

        if (elapsed > _slowThreshold && _slowLog.ShouldLog(out var skipped))
        {
            logger.LogWarning(
                "Slow request {Method} {Route} answered {StatusCode} in {ElapsedMilliseconds:F0} ms "
                    + "(user agent {UserAgent}, client {ClientIp}); {SkippedSlowRequests} more since the last warning",
                context.Request.Method, route, status, elapsed.TotalMilliseconds,
                context.Request.Headers.UserAgent.ToString(), context.Connection.RemoteIpAddress, skipped);
        }
    }
}
