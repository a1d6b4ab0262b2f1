using CloudLab.LoadTests.Engine;
using CloudLab.LoadTests.Scenarios;

namespace CloudLab.LoadTests;

/// <summary>The runs CloudLab's standard asks for, built from scenarios.</summary>
public sealed class Plans(ScenarioRunner runner, Workloads workloads, RunSettings settings, HttpClient metricsClient)
{
    private static readonly string[] Services = ["user", "product", "order", "payment", "analytics"];

    public List<string> Findings { get; } = [];

    public Dictionary<string, double> CapacityRatios { get; } = [];

    /// <summary>Seconds: the driver works, the app answers. Checks success, never timing.</summary>
    public async Task SmokeAsync(CancellationToken cancellationToken)
    {
        await CalibrateAsync([workloads.ProductById], connections: 4, TimeSpan.FromSeconds(2), cancellationToken);
        await runner.OpenAsync(
            "smoke product-by-id",
            workloads.ProductById,
            [new Phase("smoke", 50, TimeSpan.FromSeconds(3))],
            cancellationToken);
    }

    /// <summary>Reads every seeded product once, so "from cache" scenarios measure hits, not the first fill.</summary>
    public Task WarmCatalogAsync(CancellationToken cancellationToken) =>
        runner.WarmAsync(workloads.EveryProductOnce, workloads.SeededProducts, cancellationToken);

    /// <summary>
    /// Every service at 5 % of its target rate for a while, unrecorded, so the runs measure a warmed-up app.
    /// </summary>
    public async Task WarmUpAppAsync(TimeSpan duration, CancellationToken cancellationToken)
    {
        await WarmCatalogAsync(cancellationToken);
        await runner.WarmUpAppAsync(
            Services.Select(service => (ForService(service), StandardRates.Rate(service, "target") * 0.05)),
            duration,
            cancellationToken);
        Findings.Add($"warm-up: {duration.TotalSeconds:N0} s with every service at 5 % of its target rate "
            + "before the first measurement (unrecorded).");
    }

    /// <summary>
    /// Each workload's capacity against the bare endpoint of the same process, measured back to back.
    /// </summary>
    public async Task CalibrateAsync(
        IReadOnlyList<IWorkload> measured, int connections, TimeSpan duration, CancellationToken cancellationToken)
    {
        await WarmCatalogAsync(cancellationToken);
        var bare = await runner.CapacityAsync(
            "capacity bare", workloads.Bare, connections, duration, cancellationToken);
        foreach (var workload in measured)
        {
            var result = await runner.CapacityAsync(
                $"capacity {workload.Name}", workload, connections, duration, cancellationToken);
            CapacityRatios[workload.Name] = Math.Round(result.AchievedRps / Math.Max(1, bare.AchievedRps), 3);
        }
    }

    public IReadOnlyList<IWorkload> CalibrationSet =>
        [
            workloads.ProductById,
            workloads.Product,
            workloads.UserProfile,
            workloads.OrderPlace,
            workloads.PaymentCharge,
            workloads.AnalyticsRead,
        ];

    /// <summary>Every service at the standard's target, peak or burst rate.</summary>
    public async Task LevelAsync(string level, IEnumerable<string> services, CancellationToken cancellationToken)
    {
        if (services.Contains("product"))
        {
            await WarmCatalogAsync(cancellationToken);
        }

        foreach (var service in services)
        {
            var rate = StandardRates.Rate(service, level) * settings.Scale;
            await runner.OpenAsync(
                $"{service} {level}",
                ForService(service),
                [new Phase(level, rate, settings.Duration)],
                cancellationToken);
        }
    }

    /// <summary>
    /// Baseline → ten times the baseline within a second → baseline; reports how the service copes and recovers.
    /// </summary>
    public async Task SpikeAsync(string service, CancellationToken cancellationToken)
    {
        var baseline = StandardRates.Rate(service, "target") * settings.Scale;
        var result = await runner.OpenAsync($"{service} spike", ForService(service),
        [
            new Phase("baseline", baseline, TimeSpan.FromSeconds(15)),
            new Phase("spike", baseline * 10, TimeSpan.FromSeconds(10)),
            new Phase("recovery", baseline, TimeSpan.FromSeconds(15)),
        ], cancellationToken);
        var after = result.Timeline.Skip(25).ToList();
        var recovered = after.FindIndex(second => second.P95Ms < Thresholds.P95Ms && second.Errors == 0);
        var spikePeak = result.Timeline.Skip(15).Take(10).DefaultIfEmpty().Max(second => second?.P95Ms ?? 0);
        Findings.Add(recovered < 0
            ? $"{service} spike: p95 did not return under {Thresholds.P95Ms} ms within 15 s after the spike."
            : $"{service} spike: back under {Thresholds.P95Ms} ms p95 with no errors {recovered} s after the spike "
                + $"ended; spike-second p95 peaked at {spikePeak:N0} ms.");
    }

    /// <summary>
    /// Ramps the rate up by a quarter every step until p95 passes 500 ms or errors pass 1 %: the breaking point.
    /// </summary>
    public async Task StressAsync(string service, CancellationToken cancellationToken)
    {
        var rate = StandardRates.Rate(service, "target") * settings.Scale;
        double? lastGood = null;
        for (var step = 0; step < 14; step++, rate *= 1.25)
        {
            var result = await runner.OpenAsync(
                $"{service} stress {rate:N0}",
                ForService(service),
                [new Phase("step", rate, TimeSpan.FromSeconds(10))],
                cancellationToken);
            if (result.P95Ms > Thresholds.P95MaxMs || result.ErrorRatePercent > 1 || result.AchievedRps < rate * 0.9)
            {
                var culture = System.Globalization.CultureInfo.InvariantCulture;
                var held = lastGood?.ToString("N0", culture)
                    ?? "less than the target of " + StandardRates.Rate(service, "target").ToString("N0", culture);
                var driver = result.DriverFellBehind ? " (the driver itself fell behind)" : "";
                Findings.Add($"{service} breaking point: held {held} rps; at {rate:N0} rps p95 was "
                    + $"{result.P95Ms:N0} ms with {result.ErrorRatePercent:N2} % errors{driver}.");
                return;
            }

            lastGood = rate;
        }

        Findings.Add($"{service} did not break up to {lastGood:N0} rps.");
    }

    /// <summary>A long mixed run: compares latency at its start and end (drift).</summary>
    public async Task EnduranceAsync(CancellationToken cancellationToken)
    {
        var memoryBefore = await MemorySample.ReadAllAsync(metricsClient, workloads.Targets, cancellationToken);
        var result = await runner.OpenAsync(
            "endurance mixed",
            workloads.Mixed(settings.Mix),
            [new Phase("endurance", settings.EnduranceRate, settings.EnduranceDuration)],
            cancellationToken);
        var minute = Math.Min(60, result.Timeline.Count / 3);
        if (minute > 0)
        {
            var first = result.Timeline.Take(minute).Average(second => second.P95Ms);
            var last = result.Timeline.TakeLast(minute).Average(second => second.P95Ms);
            Findings.Add($"endurance: mean per-second p95 {first:N1} ms over the first {minute} s, "
                + $"{last:N1} ms over the last {minute} s ({(last / Math.Max(0.001, first) - 1) * 100:+0;-0} %).");
        }

        var memoryAfter = await MemorySample.ReadAllAsync(metricsClient, workloads.Targets, cancellationToken);
        Findings.Add("endurance memory (working set, gen2 heap after the last collection), start → end: "
            + string.Join("; ", memoryBefore.Select(pair =>
                $"{pair.Key} {pair.Value.WorkingSetMb:N0} → {memoryAfter[pair.Key].WorkingSetMb:N0} MB, "
                    + $"{pair.Value.Gen2HeapMb:N0} → {memoryAfter[pair.Key].Gen2HeapMb:N0} MB"))
            + ".");
    }

    public Task MixedAsync(CancellationToken cancellationToken) =>
        runner.OpenAsync(
            "mixed",
            workloads.Mixed(settings.Mix),
            [new Phase("mixed", settings.MixedRate, settings.Duration)],
            cancellationToken);

    public IWorkload ForService(string service) => service switch
    {
        "user" => workloads.UserProfile,
        "product" => workloads.Product,
        "order" => workloads.OrderPlace,
        "payment" => workloads.PaymentCharge,
        "analytics" => workloads.AnalyticsRead,
        _ => throw new ArgumentException($"service is one of {string.Join(", ", Services)}, not {service}"),
    };

    public static IReadOnlyList<string> ParseServices(string? list) =>
        string.IsNullOrWhiteSpace(list)
            ? Services
            : list.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
}

public sealed record RunSettings(
    double Scale,
    TimeSpan Duration,
    string? Mix,
    double MixedRate,
    double EnduranceRate,
    TimeSpan EnduranceDuration);
