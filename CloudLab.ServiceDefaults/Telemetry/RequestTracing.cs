using System.Diagnostics;
using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Hosting;

namespace CloudLab.ServiceDefaults.Telemetry;

/// <summary>
/// The server span of a request, made only for requests that are traced: those whose caller's <c>traceparent</c> says
/// sampled, and new traces at the configured ratio. ASP.NET Core's own span (source <c>Microsoft.AspNetCore</c>) was
/// created for every request once a tracer listened, because the OpenTelemetry SDK keeps an unsampled root or remote
/// span as a propagation-only Activity: an allocation, an AsyncLocal set and reset and two diagnostic events per
/// request, ~2.6 µs of a cached read's ~70 µs of CPU (perf, docs/performance/reads). Nothing listens to that source
/// now, so hosting creates no Activity at all.
/// What an unsampled request gives up: logs written during it carry no trace id, and a call it makes to another
/// service starts a trace of its own (sampled at the same ratio) instead of carrying an unsampled parent.
/// </summary>
public sealed class RequestTracing(RequestDelegate next, double sampleRatio)
{
    public const string SourceName = "CloudLab.Http";

    /// <summary>The span's operation name; <see cref="RequestSampler"/> recognises sampled roots by it.</summary>
    public const string ActivityName = "CloudLab.Http.Request";

    private static readonly ActivitySource Source = new(SourceName);

    private readonly DistributedContextPropagator _propagator = DistributedContextPropagator.Current;

    public Task InvokeAsync(HttpContext context)
    {
        if (!Source.HasListeners() || TelemetryExtensions.IsInfrastructurePath(context.Request.Path))
        {
            return next(context);
        }

        var parent = RemoteParent(context.Request.Headers);
        var sampled = parent.TraceId != default
            ? (parent.TraceFlags & ActivityTraceFlags.Recorded) != 0
            : sampleRatio > 0 && Random.Shared.NextDouble() < sampleRatio;
        return sampled ? TraceAsync(context, parent) : next(context);
    }

    /// <summary>The caller's span from <c>traceparent</c>/<c>tracestate</c>, or default when there is none.</summary>
    private ActivityContext RemoteParent(IHeaderDictionary headers)
    {
        _propagator.ExtractTraceIdAndState(
            headers,
            static (carrier, name, out value, out values) =>
            {
                values = null;
                value = ((IHeaderDictionary)carrier!).TryGetValue(name, out var found) ? found.ToString() : null;
            },
            out var traceParent,
            out var traceState);
        return traceParent is not null
            && ActivityContext.TryParse(traceParent, traceState, isRemote: true, out var parent)
                ? parent
                : default;
    }

    private async Task TraceAsync(HttpContext context, ActivityContext parent)
    {
        using var activity = Source.StartActivity(ActivityName, ActivityKind.Server, parent);
        if (activity is null)
        {
            await next(context);
            return;
        }

        var request = context.Request;
        activity.DisplayName = request.Method;
        activity.SetTag("http.request.method", request.Method);
        activity.SetTag("url.scheme", request.Scheme);
        activity.SetTag("url.path", request.Path.Value);
        activity.SetTag("server.address", request.Host.Host);
        activity.SetTag("network.protocol.version", ProtocolVersion(request.Protocol));
        if (request.Headers.UserAgent.Count > 0)
        {
            activity.SetTag("user_agent.original", request.Headers.UserAgent.ToString());
        }

        try
        {
            await next(context);
        }
        catch (Exception exception)
        {
            activity.SetTag("error.type", exception.GetType().FullName);
            activity.SetStatus(ActivityStatusCode.Error, exception.Message);
            throw;
        }
        finally
        {
            // Routing runs after this middleware: the route is known once the request has been answered.
            if (context.GetEndpoint() is RouteEndpoint { RoutePattern.RawText: { } route })
            {
                activity.DisplayName = string.Concat(request.Method, " ", route);
                activity.SetTag("http.route", route);
            }

            var status = context.Response.StatusCode;
            activity.SetTag("http.response.status_code", status);
            if (status >= StatusCodes.Status500InternalServerError && activity.Status != ActivityStatusCode.Error)
            {
                activity.SetTag("error.type", status.ToString(CultureInfo.InvariantCulture));
                activity.SetStatus(ActivityStatusCode.Error);
            }
        }
    }

    private static string ProtocolVersion(string protocol) => protocol switch
    {
        "HTTP/1.1" => "1.1",
        "HTTP/2" => "2",
        "HTTP/3" => "3",
        "HTTP/1.0" => "1.0",
        _ => protocol,
    };
}
