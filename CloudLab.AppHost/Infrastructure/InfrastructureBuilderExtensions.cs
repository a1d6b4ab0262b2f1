using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace CloudLab.AppHost.Infrastructure;

/// <summary>PostgreSQL (a database per service) and Redis, as containers or as local processes.</summary>
public sealed class CloudLabInfrastructure(
    InfrastructureMode mode,
    IResourceBuilder<IResourceWithConnectionString> redis,
    IReadOnlyDictionary<string, IResourceBuilder<IResourceWithConnectionString>> databases)
{
    public InfrastructureMode Mode => mode;

    public IResourceBuilder<IResourceWithConnectionString> Redis => redis;

    public IResourceBuilder<IResourceWithConnectionString> Database(string name) => databases[name];
}

public static class InfrastructureBuilderExtensions
{
    public static CloudLabInfrastructure AddCloudLabInfrastructure(
        this IDistributedApplicationBuilder builder, params string[] databaseNames)
    {
        var mode = InfrastructureModeSelector.Select(builder);
        var storage = LocalStorage.FromConfiguration(builder);
        return mode == InfrastructureMode.Containers
            ? AddContainers(builder, storage, databaseNames)
            : AddLocalProcesses(builder, storage, databaseNames);
    }

    private static CloudLabInfrastructure AddContainers(
        IDistributedApplicationBuilder builder, LocalStorage storage, string[] databaseNames)
    {
        var postgres = builder.AddPostgres("postgres");
        var redis = builder.AddRedis("redis");
        if (!storage.Ephemeral)
        {
            postgres.WithDataVolume("cloudlab-postgres");
            redis.WithDataVolume("cloudlab-redis").WithPersistence();
        }

        var databases = databaseNames.ToDictionary(
            name => name,
            name => (IResourceBuilder<IResourceWithConnectionString>)postgres.AddDatabase(name));
        return new CloudLabInfrastructure(InfrastructureMode.Containers, redis, databases);
    }

    private static CloudLabInfrastructure AddLocalProcesses(
        IDistributedApplicationBuilder builder, LocalStorage storage, string[] databaseNames)
    {
        var scripts = Path.Combine(builder.AppHostDirectory, "Infrastructure");

        var postgres = builder.AddResource(new LocalPostgresServerResource("postgres", "/bin/sh", scripts))
            .WithEndpoint(
                name: LocalPostgresServerResource.EndpointName, scheme: "tcp", env: "PGPORT", isProxied: false)
            .WithArgs(
                Path.Combine(scripts, "postgres-local.sh"),
                storage.PostgresDirectory,
                storage.Ephemeral ? "ephemeral" : "persistent")
            .WithArgs(databaseNames)
            .WithIconName("DatabaseMultiple")
            .WithConnectionHealthCheck((checks, connectionString, key) =>
                checks.AddNpgSql(_ => connectionString() + ";Database=postgres", name: key));
        postgres.Resource.DatabaseNames.AddRange(databaseNames);

        var databases = databaseNames.ToDictionary(
            name => name,
            name => (IResourceBuilder<IResourceWithConnectionString>)builder
                .AddResource(new LocalPostgresDatabaseResource(name, postgres.Resource))
                .WithIconName("Database")
                .WithParentState()
                .WithConnectionHealthCheck((checks, connectionString, key) =>
                    checks.AddNpgSql(_ => connectionString(), name: key)));

        var redisServer = FindOnPath("redis-server") ?? throw new DistributedApplicationException(
            "redis-server is not installed: run './cloudlab.sh setup' (or 'apt-get install redis-server'), "
                + "or start a container engine.");
        var redis = builder.AddResource(new LocalRedisResource("redis", redisServer, storage.RedisDirectory))
            .WithEndpoint(name: LocalRedisResource.EndpointName, scheme: "tcp", isProxied: false)
            .WithIconName("Database")
            .WithConnectionHealthCheck((checks, connectionString, key) =>
                checks.AddRedis(_ => connectionString(), name: key));
        redis.WithArgs(context =>
        {
            context.Args.Add("--port");
            context.Args.Add(redis.Resource.PrimaryEndpoint.Property(EndpointProperty.TargetPort));
            context.Args.Add("--bind");
            context.Args.Add("127.0.0.1");
            context.Args.Add("-::1");
            // Cache entries carry a TTL, event streams do not: under memory pressure only cache entries are evicted.
            context.Args.Add("--maxmemory-policy");
            context.Args.Add("volatile-lru");
            context.Args.Add("--save");
            context.Args.Add("");
            // An append-only file even for throwaway runs: a restarted
            // Redis comes back with its data, as in production.
            context.Args.Add("--appendonly");
            context.Args.Add("yes");
            context.Args.Add("--dir");
            context.Args.Add(storage.RedisDirectory);
        });

        return new CloudLabInfrastructure(InfrastructureMode.Local, redis, databases);
    }

    /// <summary>
    /// Aspire passes a container's state on to its child resources, but not an executable's: a database on the local
    /// server mirrors the server's state itself, so it turns Running (and then gets health-checked) with it.
    /// </summary>
    private static IResourceBuilder<LocalPostgresDatabaseResource> WithParentState(
        this IResourceBuilder<LocalPostgresDatabaseResource> database) =>
        database.OnInitializeResource((resource, @event, cancellationToken) =>
        {
            _ = Task.Run(async () =>
            {
                await foreach (var update in @event.Notifications.WatchAsync(cancellationToken))
                {
                    if (update.Resource == resource.Parent)
                    {
                        await @event.Notifications.PublishUpdateAsync(resource, snapshot => snapshot with
                        {
                            State = update.Snapshot.State,
                            StartTimeStamp = update.Snapshot.StartTimeStamp,
                            StopTimeStamp = update.Snapshot.StopTimeStamp,
                        });
                    }
                }
            }, cancellationToken);
            return Task.CompletedTask;
        });

    /// <summary>Registers a health check that reads the resource's connection string once it is known.</summary>
    private static IResourceBuilder<T> WithConnectionHealthCheck<T>(
        this IResourceBuilder<T> resource,
        Func<IHealthChecksBuilder, Func<string>, string, IHealthChecksBuilder> register)
        where T : IResourceWithConnectionString
    {
        string? connectionString = null;
        resource.ApplicationBuilder.Eventing.Subscribe<ConnectionStringAvailableEvent>(
            resource.Resource,
            async (_, ct) =>
                connectionString = await resource.Resource.GetConnectionStringAsync(ct).ConfigureAwait(false));

        var key = $"{resource.Resource.Name}_check";
        register(
            resource.ApplicationBuilder.Services.AddHealthChecks(),
            () => connectionString ?? throw new InvalidOperationException(
                $"The connection string of '{resource.Resource.Name}' is not available yet."),
            key);
        return resource.WithHealthCheck(key);
    }

    private static string? FindOnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Combine(directory, program))
            .FirstOrDefault(File.Exists);
}
