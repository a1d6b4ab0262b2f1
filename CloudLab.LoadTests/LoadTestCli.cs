using System.ComponentModel;
using System.Runtime.InteropServices;
using CloudLab.LoadTests.Engine;
using CloudLab.LoadTests.Reports;
using CloudLab.LoadTests.Scenarios;
using Spectre.Console;
using Spectre.Console.Cli;

namespace CloudLab.LoadTests;

/// <summary>CloudLab's load driver: <c>run &lt;plan&gt;</c> and <c>compare</c>. See README, "Performance".</summary>
public static class LoadTestCli
{
    public static Task<int> RunAsync(string[] args)
    {
        var app = new CommandApp();
        app.Configure(config =>
        {
            config.SetApplicationName("cloudlab-load");
            config.AddCommand<RunCommand>("run").WithDescription(
                "Run a plan: smoke, calibrate, target, peak, burst, spike, stress, endurance, mixed, full or chaos.");
            config.AddCommand<CompareCommand>("compare").WithDescription(
                "Compare a report's capacity ratios with the baseline (10 % tolerance); exit 1 on a regression.");
        });
        return app.RunAsync(args);
    }
}

public sealed class RunSettingsInput : CommandSettings
{
    [CommandArgument(0, "<plan>")]
    public string Plan { get; set; } = "smoke";

    [CommandOption("--urls")]
    [Description(
        "service=url pairs, e.g. product=http://localhost:5102 (default: the AppHost's ports on this machine)")]
    public string? Urls { get; set; }

    [CommandOption("--start-app"), Description("Start the AppHost with the load settings first, and stop it after")]
    public bool StartApp { get; set; }

    [CommandOption("--services"), Description("Services for target/peak/burst (default: all five)")]
    public string? Services { get; set; }

    [CommandOption("--service"), Description("Service for spike and stress (default: product)")]
    public string Service { get; set; } = "product";

    [CommandOption("--scale"), Description("Multiply the standard's rates (e.g. 0.1 for a quick look)")]
    public double Scale { get; set; } = 1;

    [CommandOption("--duration"), Description("Seconds per open-model scenario")]
    public int DurationSeconds { get; set; } = 30;

    [CommandOption("--warmup")]
    [Description(
        "Seconds of unrecorded traffic to every service before measuring (0: none; smoke never warms up)")]
    public int WarmUpSeconds { get; set; } = 60;

    [CommandOption("--mix")]
    [Description(
        "Mixed workload weights, e.g. browse=25,search=10,view=45,login=1,order=6,orders=8,profile=4,analytics=1")]
    public string? Mix { get; set; }

    [CommandOption("--mixed-rate")]
    public double MixedRate { get; set; } = 1000;

    [CommandOption("--endurance-rate")]
    public double EnduranceRate { get; set; } = 300;

    [CommandOption("--endurance-minutes")]
    public double EnduranceMinutes { get; set; } = 10;

    [CommandOption("--users"), Description("Load-test customers to sign in (seeded by Seed:LoadTestUsers)")]
    public int Users { get; set; } = 100;

    [CommandOption("--products"), Description("Seeded products (Seed:Products)")]
    public int Products { get; set; } = 10_000;

    [CommandOption("--connections"), Description("Connections for capacity (calibration) runs")]
    public int Connections { get; set; } = 64;

    [CommandOption("--max-in-flight"), Description("The driver's bound on requests in flight")]
    public int MaxInFlight { get; set; } = 2048;

    [CommandOption("--reports"), Description("Folder for reports (default: CloudLab.LoadTests/reports)")]
    public string? Reports { get; set; }

    [CommandOption("--baseline"), Description("After the run, compare with this baseline (exit 1 on a regression)")]
    public string? Baseline { get; set; }

    [CommandOption("--client"), Description("raw (default: the driver's lean HTTP/1.1 client) or httpclient")]
    public string Client { get; set; } = "raw";

    [CommandOption("--order-rate"), Description("chaos: orders per second of the steady workload")]
    public double OrderRate { get; set; } = 50;

    [CommandOption("--read-rate"), Description("chaos: product reads per second of the steady workload")]
    public double ReadRate { get; set; } = 100;

    [CommandOption("--short")]
    [Description("chaos: the short form (every fault, shorter phases, the same checks; a few minutes, for CI)")]
    public bool Short { get; set; }

    [CommandOption("--quiet")]
    public bool Quiet { get; set; }
}

public sealed class RunCommand : AsyncCommand<RunSettingsInput>
{
    public override async Task<int> ExecuteAsync(
        CommandContext context, RunSettingsInput settings, CancellationToken cancellationToken)
    {
        var targets = Targets.Parse(settings.Urls);
        var root = RepositoryRoot();
        var appSettings = settings.Plan == "chaos" ? AppProcess.ChaosSettings : Array.Empty<string>();
        // Before the app starts: its start-up (migrations, seeding, JIT) would be in the reading. A smoke run only
        // checks that the app answers (also in the test suite, where the probe would take both cores for seconds).
        double? speedBefore = settings.Plan == "smoke" ? null : ReferenceSpeed.Measure();
        if (speedBefore is { } before && !settings.Quiet)
        {
            AnsiConsole.MarkupLine(Markup.Escape(ReferenceSpeed.Describe(before, after: null)));
        }

        await using var app = settings.StartApp
            ? await AppProcess.StartAsync(root, targets, appSettings, cancellationToken)
            : null;

        using var handler = new SocketsHttpHandler
        {
            MaxConnectionsPerServer = settings.MaxInFlight,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
        };
        using var client = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
        var sessions = settings.Plan is "smoke"
            ? null
            : await Sessions.SignInAsync(client.WithBase(targets.User), settings.Users, cancellationToken);
        if (settings.Plan == "chaos")
        {
            return await RunChaosAsync(
                settings, client, targets, sessions!, root, speedBefore!.Value, cancellationToken);
        }

        using IHttpSender sender = settings.Client == "httpclient"
            ? new HttpClientSender(client)
            : new RawHttpSender(settings.MaxInFlight);
        var runner = new ScenarioRunner(
            sender, new OpenModelOptions(settings.MaxInFlight, TimeSpan.FromSeconds(30)), settings.Quiet);
        var runSettings = new RunSettings(
            settings.Scale,
            TimeSpan.FromSeconds(settings.DurationSeconds),
            settings.Mix,
            settings.MixedRate,
            settings.EnduranceRate,
            TimeSpan.FromMinutes(settings.EnduranceMinutes));
        var plans = new Plans(runner, new Workloads(targets, sessions, settings.Products), runSettings, client);
        var started = DateTimeOffset.UtcNow;
        if (settings.Plan is not "smoke" && settings.WarmUpSeconds > 0)
        {
            await plans.WarmUpAppAsync(TimeSpan.FromSeconds(settings.WarmUpSeconds), cancellationToken);
        }

        switch (settings.Plan)
        {
            case "smoke": await plans.SmokeAsync(cancellationToken); break;
            case "calibrate":
                await plans.CalibrateAsync(
                    plans.CalibrationSet, settings.Connections, TimeSpan.FromSeconds(10), cancellationToken);
                break;
            case "target" or "peak" or "burst":
                await plans.LevelAsync(settings.Plan, Plans.ParseServices(settings.Services), cancellationToken);
                break;
            case "spike": await plans.SpikeAsync(settings.Service, cancellationToken); break;
            case "stress": await plans.StressAsync(settings.Service, cancellationToken); break;
            case "endurance": await plans.EnduranceAsync(cancellationToken); break;
            case "mixed": await plans.MixedAsync(cancellationToken); break;
            case "full":
                await plans.CalibrateAsync(
                    plans.CalibrationSet, settings.Connections, TimeSpan.FromSeconds(10), cancellationToken);
                foreach (var level in new[] { "target", "peak", "burst" })
                {
                    await plans.LevelAsync(level, Plans.ParseServices(settings.Services), cancellationToken);
                }

                await plans.SpikeAsync("product", cancellationToken);
                await plans.StressAsync("product", cancellationToken);
                await plans.StressAsync("order", cancellationToken);
                await plans.MixedAsync(cancellationToken);
                break;
            default:
                AnsiConsole.MarkupLine($"[red]Unknown plan {Markup.Escape(settings.Plan)}.[/]");
                return 2;
        }

        var findings = plans.Findings.Concat(runner.Results.Where(result => result.DriverFellBehind)
            .Select(result =>
                $"{result.Name}: the driver fell behind (p99 send lag {result.SendLagP99Ms:N1} ms, "
                    + $"{result.DriverSkipped:N0} requests not sent, its GC paused it {result.DriverGcPauseMs ?? 0:N0} "
                    + "ms): that scenario measures the driver's limit too."))
            .ToList();
        var machine = speedBefore is { } start ? MachineAfterRun(start) : Machine();
        if (!settings.Quiet)
        {
            AnsiConsole.MarkupLine(Markup.Escape(machine));
        }

        var report = new RunReport(settings.Plan, started, machine, runner.Results, plans.CapacityRatios, findings);
        var folder = ReportWriter.Write(
            report, settings.Reports ?? Path.Combine(root, "CloudLab.LoadTests", "reports"));
        if (!settings.Quiet)
        {
            WriteCpuTable(runner.Results);
        }

        AnsiConsole.MarkupLine($"Report: [link]{Markup.Escape(Path.Combine(folder, "report.md"))}[/]");
        foreach (var finding in findings)
        {
            AnsiConsole.MarkupLine($"[yellow]{Markup.Escape(finding)}[/]");
        }

        if (settings.Plan == "smoke" && runner.Results.Any(result => result.Requests == 0 || result.Errors > 0))
        {
            AnsiConsole.MarkupLine("[red]Smoke run failed: some requests did not succeed.[/]");
            return 1;
        }

        return settings.Baseline is null
            ? 0
            : CompareCommand.Check(Baseline.Load(settings.Baseline), report.CapacityRatios);
    }

    /// <summary>
    /// Faults under load (see Chaos/ChaosPlan): exit 1 when a check fails, so CI can run it as a gate.
    /// </summary>
    private static async Task<int> RunChaosAsync(
        RunSettingsInput settings,
        HttpClient client,
        Targets targets,
        Sessions sessions,
        string root,
        double speedBefore,
        CancellationToken cancellationToken)
    {
        var options = new Chaos.ChaosOptions(
            settings.OrderRate,
            settings.ReadRate,
            Products: 10,
            ScarceProducts: 2,
            settings.Short ? Chaos.ChaosDurations.Short : Chaos.ChaosDurations.Full);
        var report = await new Chaos.ChaosPlan(client, targets, sessions, settings.Products, settings.Quiet)
            .RunAsync(options, cancellationToken);
        var command = "flock /tmp/cloudlab-build.lock dotnet build CloudLab.sln -c Release && "
            + "flock /tmp/cloudlab-build.lock dotnet run -c Release --no-build --project CloudLab.LoadTests -- "
            + string.Join(' ', Environment.GetCommandLineArgs().Skip(1));
        var folder = Chaos.ChaosReportWriter.Write(
            report,
            command,
            MachineAfterRun(speedBefore),
            settings.Reports ?? Path.Combine(root, "CloudLab.LoadTests", "reports"));
        foreach (var check in report.Checks)
        {
            AnsiConsole.MarkupLine(check.Passed
                ? $"[green]pass[/] {Markup.Escape(check.Name)}: {Markup.Escape(check.Detail)}"
                : $"[red]FAIL[/] {Markup.Escape(check.Name)}: {Markup.Escape(check.Detail)}");
        }

        AnsiConsole.MarkupLine($"Report: [link]{Markup.Escape(Path.Combine(folder, "report.md"))}[/]");
        return report.Passed ? 0 : 1;
    }

    private static void WriteCpuTable(IEnumerable<ScenarioResult> results)
    {
        var rows = CpuTable.Rows(results);
        if (rows.Count == 0)
        {
            return;
        }

        var table = new Table().Title(CpuTable.Title).AddColumn(CpuTable.Columns[0]);
        foreach (var column in CpuTable.Columns.Skip(1))
        {
            table.AddColumn(new TableColumn(column).RightAligned());
        }

        foreach (var row in rows)
        {
            table.AddRow([.. row.Select(Markup.Escape)]);
        }

        AnsiConsole.Write(table);
    }

    internal static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "CloudLab.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? Directory.GetCurrentDirectory();
    }

    /// <summary>The machine, with the reference speed read before the run and now.</summary>
    private static string MachineAfterRun(double speedBefore) =>
        $"{Machine()}; {ReferenceSpeed.Describe(speedBefore, ReferenceSpeed.Measure())}";

    private static string Machine() =>
        $"{Environment.ProcessorCount} cores, {GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / (1L << 30)} GiB, "
            + $"{RuntimeInformation.OSDescription.Trim()}, .NET {Environment.Version}, "
            + $"{AppProcess.BuildConfiguration} build (driver on the same machine)";
}

public sealed class CompareSettings : CommandSettings
{
    [CommandArgument(0, "<report>"), Description("A report.json")]
    public string Report { get; set; } = string.Empty;

    [CommandOption("--baseline")]
    public string? Baseline { get; set; }
}

public sealed class CompareCommand : Command<CompareSettings>
{
    public override int Execute(
        CommandContext context, CompareSettings settings, CancellationToken cancellationToken) =>
        Check(
            Reports.Baseline.Load(
                settings.Baseline ?? Path.Combine(RunCommand.RepositoryRoot(), "CloudLab.LoadTests", "baseline.json")),
            Reports.Baseline.Load(settings.Report));

    internal static int Check(IReadOnlyDictionary<string, double> baseline, IReadOnlyDictionary<string, double> current)
    {
        var comparisons = Reports.Baseline.Compare(baseline, current);
        foreach (var comparison in comparisons)
        {
            AnsiConsole.MarkupLine(comparison.Regressed
                ? $"[red]{Markup.Escape(Reports.Baseline.Describe(comparison))}[/]"
                : Markup.Escape(Reports.Baseline.Describe(comparison)));
        }

        return comparisons.Any(comparison => comparison.Regressed) ? 1 : 0;
    }
}

internal static class HttpClientExtensions
{
    public static HttpClient WithBase(this HttpClient _, Uri baseAddress) => new() { BaseAddress = baseAddress };
}
