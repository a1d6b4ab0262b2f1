using CloudLab.LoadTests.Engine;
using CloudLab.LoadTests.Reports;
using CloudLab.LoadTests.Scenarios;

namespace CloudLab.Tests.Unit;

public sealed class LoadReportTests
{
    [Fact]
    public void A_ratio_more_than_ten_percent_under_its_baseline_is_a_regression()
    {
        var baseline = new Dictionary<string, double> { ["product-by-id"] = 0.70, ["user-profile"] = 0.40 };
        var current = new Dictionary<string, double> { ["product-by-id"] = 0.64, ["user-profile"] = 0.35 };

        var comparisons = Baseline.Compare(baseline, current);

        Assert.False(comparisons.Single(comparison => comparison.Workload == "product-by-id").Regressed); // 0.64 ≥ 0.63
        Assert.True(comparisons.Single(comparison => comparison.Workload == "user-profile").Regressed);   // 0.35 < 0.36
    }

    [Fact]
    public void The_reference_speed_does_rounds_on_every_core_and_says_when_it_was_read()
    {
        // Briefly: the load runs' 4.5 s on both cores would slow the tests running beside this one.
        var speed = ReferenceSpeed.Measure(TimeSpan.FromMilliseconds(20), TimeSpan.FromMilliseconds(100));

        Assert.True(speed > 0);
        Assert.Equal(
            "reference speed 41,250 · 20,000 rounds/s per core (before · after)",
            ReferenceSpeed.Describe(41_250.4, 20_000));
        Assert.Equal("reference speed 41,250 rounds/s per core", ReferenceSpeed.Describe(41_250.4, after: null));
    }

    [Fact]
    public void Latencies_are_measured_from_the_intended_send_time()
    {
        var recorder = new LatencyRecorder();
        // 100 ms ago.
        var intended = System.Diagnostics.Stopwatch.GetTimestamp() - System.Diagnostics.Stopwatch.Frequency / 10;
        recorder.RecordResponse(intended, 200);
        recorder.CloseInterval();

        Assert.InRange(LatencyRecorder.Ms(recorder.Total, 50), 100, 10_000);
        Assert.Equal(1, recorder.StatusCounts[200]);
    }

    [Fact]
    public void The_drivers_own_gc_pauses_are_reported_per_second_and_for_the_window()
    {
        var recorder = new LatencyRecorder();
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true); // a pause the driver would take
        var second = recorder.CloseInterval();
        var result = ScenarioResult.From("s", "w", "open", 1, TimeSpan.FromSeconds(1), recorder);

        Assert.True(second.DriverGcPauseMs > 0);
        Assert.True(result.DriverGcPauseMs >= second.DriverGcPauseMs);
    }

    [Fact]
    public void The_accepted_requests_latency_is_reported_apart_from_the_quick_refusals()
    {
        var recorder = new LatencyRecorder();
        var now = System.Diagnostics.Stopwatch.GetTimestamp();
        var frequency = System.Diagnostics.Stopwatch.Frequency;
        for (var index = 0; index < 97; index++)
        {
            recorder.RecordResponse(now, 429); // refused at once
        }

        for (var index = 0; index < 3; index++)
        {
            recorder.RecordResponse(now - frequency, 201); // accepted, answered a second later
        }

        recorder.CloseInterval();
        var result = ScenarioResult.From("order peak", "order-place", "open", 100, TimeSpan.FromSeconds(1), recorder);

        Assert.True(result.P95Ms < 500); // all answers: the refusals hide the slow orders
        Assert.NotNull(result.Succeeded);
        Assert.Equal(3, result.Succeeded.Requests);
        Assert.InRange(result.Succeeded.P95Ms, 1_000, 10_000);
        var markdown = ReportWriter.Markdown(new RunReport(
            "peak", DateTimeOffset.UnixEpoch, "test", [result], new Dictionary<string, double>(), []));
        Assert.Contains("Successful answers (2xx, 3xx) alone", markdown, StringComparison.Ordinal);
    }

    [Fact]
    public void The_seeded_ids_are_computed_as_PostgreSQL_does()
    {
        // md5('cloudlab-product-21')::uuid, the product the README's API tour orders.
        Assert.Equal(Guid.Parse("31c60cf1-c324-6a81-8751-2f8f7125b625"), SeedData.ProductId(21));
    }

    [Fact]
    public void The_plot_is_an_svg_with_one_panel_per_open_model_scenario()
    {
        var timeline = new[] { new IntervalStats(1, 100, 0, 1, 2, 3, 4), new IntervalStats(2, 100, 0, 1, 2, 3, 4) };
        var scenario = new ScenarioResult(
            "s", "w", "open", 100, 100, 2, 200, 0, 0, 1, 1.5, 2, 3, 4, 0.1, 0,
            new Dictionary<string, long> { ["200"] = 200 }, timeline);

        var svg = SvgPlot.Render([scenario, scenario with { Name = "capacity", Kind = "capacity" }]);

        Assert.StartsWith("<svg", svg, StringComparison.Ordinal);
        Assert.Equal(3, svg.Split("<polyline").Length - 1); // p50, p95, p99 of the one open-model scenario
    }
}
