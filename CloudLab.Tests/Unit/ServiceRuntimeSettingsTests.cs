using System.Text.Json.Nodes;
using CloudLab.Tests.Infrastructure;
using CloudLab.Tests.Integration;

namespace CloudLab.Tests.Unit;

/// <summary>
/// The runtime settings every service is built with (Directory.Build.targets): the services share two cores with each
/// other, the databases and the load driver, so no server GC, no thread-pool spinning and no dynamic PGO.
/// </summary>
public sealed class ServiceRuntimeSettingsTests
{
    private const string WebSdk = "Sdk=\"Microsoft.NET.Sdk.Web\"";

    public static TheoryData<string> Services => new(WebProjects());

    /// <summary>The settings' condition reaches every service the app runs and nothing else at the top.</summary>
    [Fact]
    public void The_web_projects_are_the_apps_services() =>
        Assert.Equal(
            CloudLabAppFixture.Services.Order(StringComparer.Ordinal),
            WebProjects()
                .Select(project => project["CloudLab.".Length..].ToLowerInvariant())
                .Order(StringComparer.Ordinal));

    [Theory]
    [MemberData(nameof(Services))]
    public void A_service_runs_without_server_gc_spinning_or_dynamic_pgo(string service)
    {
        var settings = RuntimeSettings(service);

        Assert.False(settings["System.GC.Server"]!.GetValue<bool>());
        Assert.Equal(0, settings["System.Threading.ThreadPool.UnfairSemaphoreSpinLimit"]!.GetValue<int>());
        // With dynamic PGO a cold OrderService compiled a third more methods while 500 orders a second first arrived,
        // and the order target refused 21-48 % of its first minute instead of 0-14 % (write-path round 25).
        Assert.False(settings["System.Runtime.TieredPGO"]!.GetValue<bool>());
    }

    /// <summary>
    /// The configProperties of the service's runtimeconfig.json, built in the configuration the tests run in (the
    /// AppHost, which the tests reference, builds every service with them).
    /// </summary>
    private static JsonObject RuntimeSettings(string service)
    {
        var configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name; // bin/<configuration>/net10.0
        var path = Path.Combine(
            ManifestTests.RepositoryRoot(), service, "bin", configuration, "net10.0", $"{service}.runtimeconfig.json");
        var runtimeConfig = JsonNode.Parse(File.ReadAllText(path))!;
        return runtimeConfig["runtimeOptions"]!["configProperties"]!.AsObject();
    }

    /// <summary>
    /// The solution's top-level projects on the Web SDK (the condition Directory.Build.targets applies the settings
    /// on): the services. The read benchmarks' peers deeper down get the same settings but are built on their own.
    /// </summary>
    private static string[] WebProjects() =>
        Directory.GetDirectories(ManifestTests.RepositoryRoot())
            .SelectMany(project => Directory.GetFiles(project, "*.csproj"))
            .Where(project => File.ReadAllText(project).Contains(WebSdk, StringComparison.Ordinal))
            .Select(project => Path.GetFileNameWithoutExtension(project))
            .Order(StringComparer.Ordinal)
            .ToArray();
}
