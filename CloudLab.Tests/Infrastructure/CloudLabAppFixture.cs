using System.Collections.Concurrent;
using System.Security.Cryptography;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace CloudLab.Tests.Infrastructure;

/// <summary>
/// The whole app, started once for every integration test: real PostgreSQL and Redis (local processes when no
/// container engine answers) in a throwaway data directory, the five services, Product and User with two replicas.
/// </summary>
public sealed class CloudLabAppFixture : IAsyncLifetime
{
    public static readonly string[] Services =
        ["userservice", "productservice", "orderservice", "paymentservice", "analyticsservice"];

    public const string AdminEmail = "admin@cloudlab.test";
    public const string AdminPassword = "Admin-Test-Password-1";

    /// <summary>
    /// The signing keys the app runs with, by AppHost parameter (<c>user-token-signing-key</c>,
    /// <c>{service}-signing-key</c>): made here, so tests can sign with a service's key as a compromised service
    /// would, and the AppHost never generates keys into the user secrets from a test run.
    /// </summary>
    public IReadOnlyDictionary<string, string> SigningKeys { get; } =
        new[] { "user-token" }.Concat(Services).ToDictionary(
            owner => $"{owner}-signing-key",
            _ =>
            {
                using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
                return key.ExportPkcs8PrivateKeyPem();
            });

    private readonly ConcurrentDictionary<string, ResourceEvent> _resources = new();
    private readonly CancellationTokenSource _stopping = new();

    public DistributedApplication App { get; private set; } = null!;

    /// <summary>Where the AppHost writes each resource's output for this run (read after a failure).</summary>
    public string ResourceLogDirectory { get; } =
        Path.Combine(Path.GetTempPath(), "cloudlab-test-logs", Guid.NewGuid().ToString("N"));

    public async Task InitializeAsync()
    {
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.CloudLab_AppHost>(
        [
            "--Infrastructure:Ephemeral=true",
            "--Telemetry:OtlpExport=false",
            "--Services:Proxy=always",
            "--Services:productservice:Replicas=2",
            "--Services:userservice:Replicas=2",
            .. SigningKeys.Select(key => $"--Parameters:{key.Key}={key.Value}"),
            $"--Parameters:admin-email={AdminEmail}",
            $"--Parameters:admin-password={AdminPassword}",
            // Behind the replicas' proxy every anonymous test request comes from one address: give it room.
            // The per-client limit is tested with authenticated callers, which keep the default allowance.
            "--ServiceSettings:RateLimiting:PerClient:AnonymousPermitsPerSecond=5000",
            "--ServiceSettings:RateLimiting:PerClient:AnonymousBurst=10000",
            // Tests fire bursts of concurrent requests on purpose (oversell, per-client limits); the in-flight bound
            // that sheds an overloaded service is covered by its unit tests, so it must not answer these first.
            "--ServiceSettings:RateLimiting:Service:MaxConcurrentRequests=1000",
            "--ServiceSettings:Seed:Products=10000",
            "--ServiceSettings:Diagnostics:CalibrationEndpoint=true",
            // One amount whose charge the gateway makes but never answers: an unknown outcome a test can pick.
            "--ServiceSettings:Gateway:Simulator:UnansweredAmount=13.13",
            $"--Diagnostics:ResourceLogDirectory={ResourceLogDirectory}",
        ]);

        // Resources' own output and start-up health probing stay out of the test log; warnings and errors stay in.
        builder.Services.AddLogging(logging => logging
            .SetMinimumLevel(LogLevel.Warning)
            .AddFilter("CloudLab.AppHost.Resources", LogLevel.Warning)
            .AddFilter("System.Net.Http", LogLevel.Warning)
            .AddFilter("Microsoft.Extensions.Diagnostics.HealthChecks", LogLevel.None)
            .AddFilter("Aspire.Hosting.Health", LogLevel.None));

        App = await builder.BuildAsync();
        _ = Task.Run(WatchResourcesAsync);
        using var startup = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        await App.StartAsync(startup.Token);
        await Task.WhenAll(Services.Select(name =>
            App.ResourceNotifications.WaitForResourceHealthyAsync(name, startup.Token)));
    }

    public async Task DisposeAsync()
    {
        await _stopping.CancelAsync();
        await App.StopAsync();
        await App.DisposeAsync();
        _stopping.Dispose();
    }

    public HttpClient Client(string service) => App.CreateHttpClient(service, "http");

    /// <summary>A client for each running replica of a service (addressed directly, not through the proxy).</summary>
    public IReadOnlyList<HttpClient> ReplicaClients(string service) =>
        _resources.Values
            .Where(resource => resource.Resource.Name == service
                && resource.Snapshot.State?.Text == KnownResourceStates.Running)
            .OrderBy(resource => resource.ResourceId)
            .Select(resource => new HttpClient { BaseAddress = new Uri(ReplicaUrl(resource)) })
            .ToList();

    public async Task<string> ConnectionStringAsync(string resource) =>
        await App.GetConnectionStringAsync(resource)
            ?? throw new InvalidOperationException($"{resource} has no connection string.");

    public async Task<NpgsqlConnection> OpenDatabaseAsync(string database)
    {
        var connection = new NpgsqlConnection(await ConnectionStringAsync(database));
        await connection.OpenAsync();
        return connection;
    }

    /// <summary>The replica's own address: the one it listens on behind the proxy (its ASPNETCORE_URLS).</summary>
    private static string ReplicaUrl(ResourceEvent resource) =>
        resource.Snapshot.EnvironmentVariables
            .FirstOrDefault(variable => variable.Name == "ASPNETCORE_URLS")?.Value?.Split(';')[0]
        ?? throw new InvalidOperationException($"Replica {resource.ResourceId} has no ASPNETCORE_URLS.");

    private async Task WatchResourcesAsync()
    {
        try
        {
            await foreach (var resource in App.ResourceNotifications.WatchAsync(_stopping.Token))
            {
                _resources[resource.ResourceId] = resource;
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    public IEnumerable<ResourceEvent> ResourceStates => _resources.Values;
}

[CollectionDefinition(Name)]
public sealed class CloudLabCollection : ICollectionFixture<CloudLabAppFixture>
{
    public const string Name = "CloudLab app";
}
