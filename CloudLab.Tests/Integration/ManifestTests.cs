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

        AssertKeysGoToTheirOwners(resources);
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

    /// <summary>
    /// Private keys are secret parameters without a default (the deployment provides them), each referenced by its
    /// owner alone; every service gets every public-key parameter.
    /// </summary>
    private static void AssertKeysGoToTheirOwners(JsonObject resources)
    {
        foreach (var owner in CloudLabAppFixture.Services.Prepend("user-token"))
        {
            var input = resources[$"{owner}-signing-key"]!["inputs"]!["value"]!;
            Assert.True(input["secret"]!.GetValue<bool>());
            Assert.Null(input["default"]);
            Assert.Equal("parameter.v0", resources[$"{owner}-public-keys"]!["type"]!.GetValue<string>());
        }

        foreach (var service in CloudLabAppFixture.Services)
        {
            var environment = resources[service]!["env"]!.AsObject();
            var privateKeys = environment
                .Where(variable =>
                    variable.Value!.GetValue<string>().Contains("-signing-key.", StringComparison.Ordinal))
                .ToDictionary(variable => variable.Key, variable => variable.Value!.GetValue<string>());
            var expected = new Dictionary<string, string> { ["Auth__ServiceKey"] = $"{{{service}-signing-key.value}}" };
            if (service == "userservice")
            {
                expected["UserTokens__SigningKey"] = "{user-token-signing-key.value}";
            }

            Assert.Equal(expected, privateKeys);
            Assert.Equal("{user-token-public-keys.value}", environment["Auth__UserTokenKeys"]!.GetValue<string>());
            Assert.All(CloudLabAppFixture.Services, other => Assert.Equal(
                $"{{{other}-public-keys.value}}", environment[$"Auth__ServiceKeys__{other}"]!.GetValue<string>()));
        }
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
