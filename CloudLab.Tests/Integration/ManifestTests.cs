using System.Diagnostics;
using System.Text.Json.Nodes;
using CloudLab.Tests.Infrastructure;

namespace CloudLab.Tests.Integration;

/// <summary>
/// The azd deployment manifest: containers for PostgreSQL and
/// Redis (never local executables), projects for the services, no simulated payment gateway.
/// </summary>
[Collection(CloudLabCollection.Name)]
public sealed class ManifestTests
{
    [Fact]
    public async Task Publishing_writes_container_infrastructure_and_project_services()
    {
        var output = Path.Combine(Path.GetTempPath(), $"cloudlab-manifest-{Guid.NewGuid():N}");
        var appHost = Path.Combine(RepositoryRoot(), "CloudLab.AppHost");
        var start = new ProcessStartInfo(
            "dotnet",
            ["run", "--no-build", "--project", appHost, "--", "--publisher", "manifest", "--output-path", output])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            Environment = { ["DOTNET_ENVIRONMENT"] = "Development", ["Infrastructure__Mode"] = "local" },
        };
        using var process = Process.Start(start)!;
        var log = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        Assert.True(process.ExitCode == 0, $"manifest publish failed: {await log}{await errors}");

        var manifest = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(output, "aspire-manifest.json")))!;
        var resources = manifest["resources"]!.AsObject();
        Assert.StartsWith("container.", resources["postgres"]!["type"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.StartsWith("container.", resources["redis"]!["type"]!.GetValue<string>(), StringComparison.Ordinal);
        foreach (var database in new[] { "userdb", "productdb", "orderdb", "paymentdb", "analyticsdb" })
        {
            Assert.Equal("value.v0", resources[database]!["type"]!.GetValue<string>());
        }

        foreach (var service in CloudLabAppFixture.Services)
        {
            Assert.StartsWith("project.", resources[service]!["type"]!.GetValue<string>(), StringComparison.Ordinal);
        }

        Assert.DoesNotContain(resources, resource =>
            resource.Value!["type"]!.GetValue<string>().StartsWith("executable", StringComparison.Ordinal));

        // The simulated gateway is for local runs and tests: a published app never enables it.
        var paymentEnvironment = resources["paymentservice"]!["env"]!.AsObject();
        Assert.True(paymentEnvironment.ContainsKey("Gateway__BaseUrl")); // the AppHost's gateway settings are there
        Assert.DoesNotContain(paymentEnvironment, variable =>
            variable.Key.StartsWith("Gateway__Simulator__Enabled", StringComparison.OrdinalIgnoreCase)
                && !string.Equals(variable.Value?.ToString(), "false", StringComparison.OrdinalIgnoreCase));
        Directory.Delete(output, recursive: true);
    }

    internal static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "CloudLab.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName
            ?? throw new InvalidOperationException("CloudLab.sln not found above the test binaries.");
    }
}
