using CloudLab.AppHost.Security;
using Microsoft.Extensions.Configuration;

namespace CloudLab.AppHost;

/// <summary>What every CloudLab service gets from the app model.</summary>
public static class ServiceResourceExtensions
{
    public static IResourceBuilder<ProjectResource> AddCloudLabService<TProject>(
        this IDistributedApplicationBuilder builder,
        string name,
        IResourceBuilder<IResourceWithConnectionString> database,
        IResourceBuilder<IResourceWithConnectionString> redis,
        TokenKeys tokenKeys)
        where TProject : IProjectMetadata, new()
    {
        var replicas = builder.Configuration.GetValue($"Services:{name}:Replicas", 1);
        var service = builder.AddProject<TProject>(name)
            .WithReference(database).WaitFor(database)
            .WithReference(redis).WaitFor(redis)
            .WithHttpHealthCheck("/health")
            .WithReplicas(replicas)
            // Replicas share a fixed shedding rate, if one is set (each adapts its own in-flight bound).
            .WithEnvironment(
                "RateLimiting__Service__Instances",
                replicas.ToString(System.Globalization.CultureInfo.InvariantCulture));
        tokenKeys.ApplyTo(service);

        // One instance listens on its documented port itself: DCP's proxy in front of it halves a cheap endpoint's
        // throughput (measured: 28k → 13k requests/s). Replicas need the proxy to share the port.
        // Services:Proxy=always keeps it anyway (the tests do, so their ports are random and never clash).
        if (replicas == 1 && builder.Configuration["Services:Proxy"] != "always")
        {
            service.WithEndpoint("http", endpoint => endpoint.IsProxied = false);
        }

        // Tests turn OTLP export off: with no dashboard listening, each service would wait ~13 s at shutdown.
        if (!builder.Configuration.GetValue("Telemetry:OtlpExport", true))
        {
            service.WithEnvironment("Telemetry__OtlpExport", "false");
        }

        // ServiceSettings:* is handed to every service as its own configuration (e.g. rate limits for a load test).
        foreach (var (key, value) in
            builder.Configuration.GetSection("ServiceSettings").AsEnumerable(makePathsRelative: true))
        {
            if (value is not null)
            {
                service.WithEnvironment(key.Replace(":", "__", StringComparison.Ordinal), value);
            }
        }

        return service;
    }
}
