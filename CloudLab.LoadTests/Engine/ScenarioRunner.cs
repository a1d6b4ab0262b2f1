using Spectre.Console;

namespace CloudLab.LoadTests.Engine;

/// <summary>Runs scenarios one after another with live progress, and keeps their results.</summary>
public sealed class ScenarioRunner(IHttpSender sender, OpenModelOptions options, bool quiet)
{
    private static readonly TimeSpan WarmUp = TimeSpan.FromSeconds(3);

    public List<ScenarioResult> Results { get; } = [];

    /// <summary>
    /// An open-model scenario at the phases' rates, after an unrecorded warm-up at the first phase's rate (JIT, pools,
    /// caches): warming up flat out would overload a slow workload before the measurement starts.
    /// </summary>
    public async Task<ScenarioResult> OpenAsync(
        string name, IWorkload workload, IReadOnlyList<Phase> phases, CancellationToken cancellationToken)
    {
        await new OpenModelRunner(sender, options)
            .RunAsync(workload, [phases[0] with { Duration = WarmUp }], null, cancellationToken);
        var duration = TimeSpan.FromTicks(phases.Sum(phase => phase.Duration.Ticks));
        var intended = phases.Sum(phase => phase.RatePerSecond * phase.Duration.TotalSeconds) / duration.TotalSeconds;
        var cpu = ProcessCpuSampler.StartWindow();
        var recorder = await WithProgressAsync(name, intended, duration, onSecond =>
            new OpenModelRunner(sender, options).RunAsync(workload, phases, onSecond, cancellationToken));
        var cpuPerOperation = cpu?.Stop(CompletedOperations(recorder));
        return Keep(ScenarioResult.From(name, workload.Name, "open", intended, duration, recorder, cpuPerOperation));
    }

    /// <summary>
    /// Brings the app to steady state before anything is measured: every workload at once at a modest rate, unrecorded.
    /// A freshly started service needs tens of seconds of traffic before tiered compilation has optimised its code
    /// paths: from a cold start the order saga at 50 rps stayed above 1 s p95 for a minute, and settled near 100 ms
    /// after that.
    /// </summary>
    public async Task WarmUpAppAsync(
        IEnumerable<(IWorkload Workload, double Rate)> workloads,
        TimeSpan duration,
        CancellationToken cancellationToken)
    {
        Say($"[grey]warming the app up for {duration.TotalSeconds:N0} s (unrecorded)[/]");
        await Task.WhenAll(workloads.Select(warm =>
            new OpenModelRunner(sender, options)
                .RunAsync(warm.Workload, [new Phase("warm-up", warm.Rate, duration)], null, cancellationToken)));
    }

    /// <summary>How many requests per second the workload is served at most (closed loop, fixed connections).</summary>
    public async Task<ScenarioResult> CapacityAsync(
        string name, IWorkload workload, int connections, TimeSpan duration, CancellationToken cancellationToken)
    {
        var runner = new ClosedLoopRunner(sender);
        await runner.RunAsync(workload, connections, WarmUp, cancellationToken);
        var cpu = ProcessCpuSampler.StartWindow();
        var (rps, recorder) = await runner.RunAsync(workload, connections, duration, cancellationToken);
        var cpuPerOperation = cpu?.Stop(CompletedOperations(recorder));
        Say($"[grey]{Markup.Escape(name)}:[/] {rps:N0} requests/s with {connections} connections");
        return Keep(ScenarioResult.From(name, workload.Name, "capacity", rps, duration, recorder, cpuPerOperation));
    }

    /// <summary>
    /// Sends <paramref name="requests"/> requests of the workload, unrecorded (filling caches before measuring).
    /// </summary>
    public async Task WarmAsync(IWorkload workload, int requests, CancellationToken cancellationToken)
    {
        var left = requests;
        await Task.WhenAll(Enumerable.Range(0, 32).Select(async _ =>
        {
            while (Interlocked.Decrement(ref left) >= 0 && !cancellationToken.IsCancellationRequested)
            {
                using var request = workload.NextRequest();
                await sender.SendAsync(request, cancellationToken);
            }
        }));
        Say($"[grey]warmed up with {requests:N0} requests of {Markup.Escape(workload.Name)}[/]");
    }

    public void Say(string markup)
    {
        if (!quiet)
        {
            AnsiConsole.MarkupLine(markup);
        }
    }

    private ScenarioResult Keep(ScenarioResult result)
    {
        Results.Add(result);
        var verdict = result.Kind == "capacity" ? ""
            : result.MeetsStandard ? " [green]meets the standard[/]"
            : " [red]misses the standard[/]";
        Say($"[bold]{Markup.Escape(result.Name)}[/]: {result.AchievedRps:N0}/{result.IntendedRps:N0} rps, "
            + $"p95 {result.P95Ms:N1} ms, p99 {result.P99Ms:N1} ms, errors {result.ErrorRatePercent:N3} %{verdict}"
            + (result.DriverFellBehind ? " [yellow](driver fell behind)[/]" : ""));
        if (result.Cpu is { } cpu)
        {
            Say($"[grey]  CPU ms per operation:[/] {Markup.Escape(Reports.CpuTable.Summary(cpu))}");
        }

        return result;
    }

    private async Task<LatencyRecorder> WithProgressAsync(
        string name, double rate, TimeSpan duration, Func<Action<IntervalStats>, Task<LatencyRecorder>> run)
    {
        if (quiet || !AnsiConsole.Profile.Capabilities.Interactive)
        {
            return await run(_ => { });
        }

        LatencyRecorder? recorder = null;
        await AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new RemainingTimeColumn())
            .StartAsync(async context =>
            {
                var task = context.AddTask($"{Markup.Escape(name)} at {rate:N0} rps", maxValue: duration.TotalSeconds);
                recorder = await run(second =>
                {
                    task.Increment(1);
                    task.Description = $"{Markup.Escape(name)}: {second.Requests:N0} rps, "
                        + $"p95 {second.P95Ms:N1} ms, p99 {second.P99Ms:N1} ms, errors {second.Errors}";
                });
                task.Value = task.MaxValue;
            });
        return recorder!;
    }

    /// <summary>
    /// The operations CPU is divided by: requests sent and finished in the window, successful or failed. Requests the
    /// driver skipped for want of a slot are left out: they were never sent, so no process spent anything on them.
    /// </summary>
    private static long CompletedOperations(LatencyRecorder recorder) => recorder.Total.TotalCount;
}
