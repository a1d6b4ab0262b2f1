using System.Text.Json.Serialization;

namespace CloudLab.LoadTests.Engine;

/// <summary>The outcome of one scenario, as it goes into the JSON and Markdown reports.</summary>
public sealed record ScenarioResult(
    string Name,
    string Workload,
    string Kind,
    double IntendedRps,
    double AchievedRps,
    double DurationSeconds,
    long Requests,
    long Errors,
    double ErrorRatePercent,
    double P50Ms,
    double P90Ms,
    double P95Ms,
    double P99Ms,
    double MaxMs,
    double SendLagP99Ms,
    long DriverSkipped,
    IReadOnlyDictionary<string, long> StatusCounts,
    IReadOnlyList<IntervalStats> Timeline,
    // Optional: reports written before it have no "cpu", and a run without /proc (not Linux) writes none.
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] CpuPerOperation? Cpu = null,
    // Optional too: the latencies of the successful answers alone (2xx, 3xx), absent from older reports.
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] SuccessLatency? Succeeded = null,
    // Optional too: how long the driver's own GC paused it in the measured window, absent from older reports.
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? DriverGcPauseMs = null)
{
    /// <summary>
    /// The standard's thresholds: p95 under 200 ms and fewer than 0.1 % errors, at (nearly) the intended rate.
    /// </summary>
    public bool MeetsStandard => P95Ms < Thresholds.P95Ms && ErrorRatePercent < Thresholds.ErrorRatePercent
        && (Kind != "open" || AchievedRps >= IntendedRps * 0.95);

    /// <summary>The driver itself could not keep the schedule (slots full, or sends more than 50 ms late).</summary>
    public bool DriverFellBehind => DriverSkipped > 0 || SendLagP99Ms > 50;

    public static ScenarioResult From(
        string name,
        string workload,
        string kind,
        double intendedRps,
        TimeSpan duration,
        LatencyRecorder recorder,
        CpuPerOperation? cpu = null)
    {
        var total = recorder.Total;
        var requests = total.TotalCount + recorder.DriverSkipped;
        var statuses = recorder.StatusCounts;
        var errors = statuses.Where(status => status.Key is 0 or 429 or >= 500).Sum(status => status.Value);
        return new ScenarioResult(
            name, workload, kind, intendedRps,
            total.TotalCount / Math.Max(0.001, duration.TotalSeconds),
            duration.TotalSeconds,
            requests,
            errors,
            requests == 0 ? 0 : 100.0 * errors / requests,
            LatencyRecorder.Ms(total, 50),
            LatencyRecorder.Ms(total, 90),
            LatencyRecorder.Ms(total, 95),
            LatencyRecorder.Ms(total, 99),
            total.TotalCount == 0 ? 0 : LatencyRecorder.Ms(total, 100),
            LatencyRecorder.Ms(recorder.SendLag, 99),
            recorder.DriverSkipped,
            statuses.ToDictionary(
                status => status.Key == 0
                    ? "no answer"
                    : status.Key.ToString(System.Globalization.CultureInfo.InvariantCulture),
                status => status.Value),
            recorder.Intervals,
            cpu,
            SuccessLatency.From(recorder.Succeeded),
            recorder.GcPause.TotalMilliseconds);
    }
}

/// <summary>
/// Latencies of the successful answers alone: the ones a shedding service accepted, without its quick 429s.
/// </summary>
public sealed record SuccessLatency(long Requests, double P50Ms, double P95Ms, double P99Ms)
{
    public static SuccessLatency? From(HdrHistogram.LongHistogram histogram) => histogram.TotalCount == 0
        ? null
        : new SuccessLatency(
            histogram.TotalCount,
            LatencyRecorder.Ms(histogram, 50),
            LatencyRecorder.Ms(histogram, 95),
            LatencyRecorder.Ms(histogram, 99));
}

public static class Thresholds
{
    public const double P95Ms = 200;
    public const double P95MaxMs = 500;
    public const double ErrorRatePercent = 0.1;
    public const double RegressionTolerance = 0.10;
}

/// <summary>A whole run: its scenarios, the capacity ratios against the bare endpoint, and what was noticed.</summary>
public sealed record RunReport(
    string Name,
    DateTimeOffset StartedAt,
    string Machine,
    IReadOnlyList<ScenarioResult> Scenarios,
    IReadOnlyDictionary<string, double> CapacityRatios,
    IReadOnlyList<string> Findings);
