using System.Text.Json.Nodes;
using CloudLab.Tests.Integration;

namespace CloudLab.Tests.Unit;

/// <summary>
/// The runtime settings every service is built with (Directory.Build.targets): the services share two cores with each
/// other, the databases and the load driver, so no server GC, no thread-pool spinning and no dynamic PGO.
/// </summary>
public sealed class ServiceRuntimeSettingsTests
{
    public static TheoryData<string> Services => new()
    {
        "CloudLab.UserService",
        "CloudLab.ProductService",
        "CloudLab.OrderService",
        "CloudLab.PaymentService",
        "CloudLab.AnalyticsService",
    };

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
}
