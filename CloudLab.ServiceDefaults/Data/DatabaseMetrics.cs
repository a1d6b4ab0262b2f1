using System.Diagnostics;
using System.Diagnostics.Metrics;
using CloudLab.ServiceDefaults.Telemetry;

namespace CloudLab.ServiceDefaults.Data;

public sealed class DatabaseMetrics
{
    private readonly Histogram<double> _duration;

    public DatabaseMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(CloudLabMeters.Database);
        _duration = meter.CreateHistogram(
            "database_query_duration_seconds",
            unit: "s",
            description: "Time of each database query (connection wait included), by table, operation and outcome.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = CloudLabMeters.LatencyBuckets });
    }

    public void Record(Query query, string outcome, TimeSpan elapsed) =>
        _duration.Record(elapsed.TotalSeconds, new TagList
        {
            { "table", query.Table },
            { "operation", query.Operation },
            { "outcome", outcome },
        });
}
