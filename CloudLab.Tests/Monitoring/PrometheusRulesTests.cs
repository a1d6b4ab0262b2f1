using System.Diagnostics;
using System.Text.Json.Nodes;
using CloudLab.Tests.Integration;

namespace CloudLab.Tests.Monitoring;

/// <summary>
/// The Prometheus config, alert rules and their unit tests, checked by promtool (installed by ./cloudlab.sh test).
/// </summary>
public sealed class PrometheusRulesTests
{
    private static readonly string MonitoringDirectory = Path.Combine(ManifestTests.RepositoryRoot(), "monitoring");

    [Theory]
    [InlineData("check", "config", "prometheus.yml")]
    [InlineData("check", "rules", "alerts.yml")]
    [InlineData("test", "rules", "alerts.test.yml")]
    public async Task Promtool_accepts_the_monitoring_files(string verb, string noun, string file)
    {
        var start = new ProcessStartInfo("promtool", [verb, noun, file])
        {
            WorkingDirectory = MonitoringDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var promtool = Process.Start(start)!;
        var output = await promtool.StandardOutput.ReadToEndAsync() + await promtool.StandardError.ReadToEndAsync();
        await promtool.WaitForExitAsync();

        Assert.True(promtool.ExitCode == 0, output);
        Assert.Contains("SUCCESS", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_alert_rules_cover_the_standard()
    {
        var rules = await File.ReadAllTextAsync(Path.Combine(MonitoringDirectory, "alerts.yml"));
        foreach (var alert in new[]
        {
            "HighAPIResponseTime",
            "HighDatabaseQueryTime",
            "LowCacheHitRate",
            "HighResourceUtilization",
            "HighErrorRate",
            "ServiceDown",
        })
        {
            Assert.Contains($"alert: {alert}", rules, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task The_dashboard_charts_the_standard_metrics()
    {
        var dashboard = JsonNode.Parse(
            await File.ReadAllTextAsync(Path.Combine(MonitoringDirectory, "dashboards", "cloudlab.json")))!;
        var expressions = string.Join('\n', dashboard["panels"]!.AsArray()
            .SelectMany(panel => panel!["targets"]!.AsArray())
            .Select(target => target!["expr"]!.GetValue<string>()));
        foreach (var metric in new[]
        {
            "api_request_duration_seconds_bucket",
            "api_request_duration_seconds_count",
            "database_query_duration_seconds_bucket",
            "cache_hit_rate",
            "resource_utilization_percent",
        })
        {
            Assert.Contains(metric, expressions, StringComparison.Ordinal);
        }
    }
}
