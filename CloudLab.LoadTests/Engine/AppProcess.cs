using System.Diagnostics;
using System.Reflection;

namespace CloudLab.LoadTests.Engine;

/// <summary>
/// Starts the app for a load run (--start-app): the AppHost, built beforehand, with the load settings documented in the
/// README: room in the per-client rate limits, seeded load-test users, the calibration endpoint, 1 % trace sampling and
/// no OTLP export (the dashboard would compete for the same two cores). Load shedding keeps its production settings.
/// </summary>
public sealed class AppProcess : IAsyncDisposable
{
    public static readonly string[] LoadSettings =
    [
        "--Infrastructure:Ephemeral=true",
        "--Telemetry:OtlpExport=false",
        "--ServiceSettings:Telemetry:TraceSampleRatio=0.01",
        "--ServiceSettings:Diagnostics:CalibrationEndpoint=true",
        "--ServiceSettings:Seed:LoadTestUsers=200",
        "--ServiceSettings:RateLimiting:PerClient:AnonymousPermitsPerSecond=1000000",
        "--ServiceSettings:RateLimiting:PerClient:AnonymousBurst=1000000",
        "--ServiceSettings:RateLimiting:PerClient:AuthenticatedPermitsPerSecond=100000",
        "--ServiceSettings:RateLimiting:PerClient:AuthenticatedBurst=100000",
    ];

    /// <summary>
    /// The chaos plan kills one of two ProductService replicas: it runs that service with two, behind DCP's proxy.
    /// </summary>
    public static readonly string[] ChaosSettings = ["--Services:productservice:Replicas=2"];

    /// <summary>
    /// The driver's own build configuration; the app runs in the
    /// same one (build both with <c>-c Release</c> for numbers).
    /// </summary>
    public static readonly string BuildConfiguration =
        typeof(AppProcess).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Release";

    /// <summary>Where the AppHost's output goes, to find out afterwards why a resource stopped.</summary>
    public static readonly string LogPath = Path.Combine(Path.GetTempPath(), "cloudlab-load-apphost.log");

    /// <summary>Where each resource's own output goes (one file per service replica, PostgreSQL and Redis).</summary>
    public static readonly string ResourceLogDirectory = Path.Combine(Path.GetTempPath(), "cloudlab-load-logs");

    private readonly Process _process;
    private readonly TextWriter _log;

    private AppProcess(Process process, TextWriter log)
    {
        _process = process;
        _log = log;
    }

    public static async Task<AppProcess> StartAsync(
        string repositoryRoot,
        Scenarios.Targets targets,
        IReadOnlyList<string> extraSettings,
        CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(
            "dotnet",
            [
                "run", "--no-build", "--configuration", BuildConfiguration,
                "--project", Path.Combine(repositoryRoot, "CloudLab.AppHost"),
                "--launch-profile", "http", "--", .. LoadSettings, .. extraSettings,
                $"--Diagnostics:ResourceLogDirectory={ResourceLogDirectory}",
            ])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = repositoryRoot,
        };
        InlineSocketCompletions.KeepFrom(start);
        if (Directory.Exists(ResourceLogDirectory))
        {
            Directory.Delete(ResourceLogDirectory, recursive: true);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet could not be started.");
        var log = TextWriter.Synchronized(new StreamWriter(LogPath, append: false) { AutoFlush = true });
        process.OutputDataReceived += (_, line) => WriteLine(log, line.Data);
        process.ErrorDataReceived += (_, line) => WriteLine(log, line.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var app = new AppProcess(process, log);

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow.AddMinutes(4);
        foreach (var service in
            new[] { targets.User, targets.Product, targets.Order, targets.Payment, targets.Analytics })
        {
            while (true)
            {
                if (process.HasExited || DateTime.UtcNow > deadline)
                {
                    // Read before disposing: a disposed Process answers every question with "No process is associated
                    // with this object", which is all a run without redis-server used to print.
                    var state = process.HasExited
                        ? "exited: ./cloudlab.sh setup installs what the app needs"
                        : "still starting";
                    await app.DisposeAsync();
                    throw new InvalidOperationException(
                        $"The app did not become healthy at {service} (AppHost {state}; its output is in {LogPath}).");
                }

                try
                {
                    var health = await http.GetStringAsync(new Uri(service, "/health"), cancellationToken);
                    if (health is "Healthy" or "Degraded")
                    {
                        break;
                    }
                }
                catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException)
                {
                }

                await Task.Delay(500, cancellationToken);
            }
        }

        return app;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            // SIGTERM to the AppHost (the child of `dotnet run`): it stops every resource it started.
            var appHostId = _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture);
            Process.Start("pkill", ["-TERM", "-P", appHostId])?.WaitForExit();
        }

        // Also when it has exited already: WaitForExitAsync returns once the output has been read to its end, so no
        // line is handed to the log after it is closed.
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
        }

        _process.Dispose();
        await _log.DisposeAsync();
    }

    /// <summary>
    /// A line of the app's output into its log. A line that comes after the log was closed is dropped: thrown on the
    /// thread that reads the output, the error would end the whole process (it crashed the test host once, 19:28 on
    /// 2026-12-01, when an app that had exited by itself was disposed before its last lines were read).
    /// </summary>
    private static void WriteLine(TextWriter log, string? line)
    {
        try
        {
            log.WriteLine(line);
        }
        catch (ObjectDisposedException)
        {
        }
    }
}
