using System.Text.Json.Nodes;
using CloudLab.LoadTests;
using CloudLab.Tests.Infrastructure;

namespace CloudLab.Tests.Integration;

/// <summary>
/// The load driver works against the real app: requests succeed and a report is written. Never a timing.
/// </summary>
[Collection(CloudLabCollection.Name)]
public sealed class LoadDriverSmokeTests(CloudLabAppFixture app)
{
    [Fact]
    public async Task A_smoke_run_succeeds_and_writes_its_report()
    {
        var reports = Path.Combine(Path.GetTempPath(), $"cloudlab-load-{Guid.NewGuid():N}");
        var product = app.App.GetEndpoint("productservice", "http");

        var exitCode = await LoadTestCli.RunAsync(
            ["run", "smoke", "--urls", $"product={product}", "--reports", reports, "--quiet"]);

        Assert.Equal(0, exitCode);
        var folder = Assert.Single(Directory.GetDirectories(reports));
        foreach (var file in new[] { "report.json", "report.md", "latency.svg" })
        {
            Assert.True(File.Exists(Path.Combine(folder, file)), $"{file} is missing");
        }

        var report = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(folder, "report.json")))!;
        Assert.All(report["scenarios"]!.AsArray(), scenario =>
        {
            Assert.True(scenario!["requests"]!.GetValue<long>() > 0);
            Assert.Equal(0, scenario["errors"]!.GetValue<long>());
        });
        Assert.True(report["capacityRatios"]!.AsObject().ContainsKey("product-by-id"));
        Assert.StartsWith(
            "<svg", await File.ReadAllTextAsync(Path.Combine(folder, "latency.svg")), StringComparison.Ordinal);
        Directory.Delete(reports, recursive: true);
    }
}
