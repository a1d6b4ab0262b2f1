using System.Diagnostics;
using System.Diagnostics.Metrics;
using CloudLab.ServiceDefaults.Telemetry;

namespace CloudLab.ServiceDefaults.Http;

/// <summary>The request path's instruments: latency by route template and rate-limit rejections by layer.</summary>
public sealed class ApiMetrics
{
    private static readonly string[] StatusCodeNames = Enumerable.Range(0, 600)
        .Select(code => code.ToString(System.Globalization.CultureInfo.InvariantCulture))
        .ToArray();

    private readonly Histogram<double> _requestDuration;
    private readonly Counter<long> _rateLimitRejections;

    public ApiMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(CloudLabMeters.Api);
        _requestDuration = meter.CreateHistogram(
            "api_request_duration_seconds",
            unit: "s",
            description: "Time to answer an API request, by method, route template and status code.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = CloudLabMeters.LatencyBuckets });
        _rateLimitRejections = meter.CreateCounter<long>(
            "rate_limit_rejections",
            description: "Requests answered 429, by the limiter layer that refused them (client or service).");
    }

    public void RecordRequest(string method, string route, int statusCode, TimeSpan duration)
    {
        var status = (uint)statusCode < StatusCodeNames.Length ? StatusCodeNames[statusCode] : "other";
        var tags = new TagList { { "method", method }, { "route", route }, { "status", status } };
        _requestDuration.Record(duration.TotalSeconds, tags);
    }

    public void RecordRejection(string layer) =>
        _rateLimitRejections.Add(1, new KeyValuePair<string, object?>("layer", layer));
}
