using System.Net.Sockets;
using System.Reflection;
using DbUp;
using DbUp.Postgresql;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using Polly;
using Polly.Retry;

namespace CloudLab.ServiceDefaults.Data;

/// <summary>Puts data a service needs in place once its schema is current (the admin account, the catalogue).</summary>
public interface IDatabaseSeeder
{
    Task SeedAsync(Database database, CancellationToken cancellationToken);
}

/// <summary>
/// Where a service's versioned SQL migrations are: embedded resources whose names contain <c>.Migrations.</c>.
/// </summary>
public sealed record MigrationSource(Assembly Assembly, string NamespaceMarker);

/// <summary>
/// Applies the versioned SQL migrations (DbUp, journal in <c>schemaversions</c>) and then the seeders, before the
/// web server starts listening. Replicas starting together take turns through a PostgreSQL advisory lock.
/// </summary>
public sealed class DatabaseMigrator(
    Database database,
    IEnumerable<MigrationSource> sources,
    IEnumerable<IDatabaseSeeder> seeders,
    ILogger<DatabaseMigrator> logger) : IHostedLifecycleService
{
    private const long MigrationLockKey = 0x436C6F75644C6162; // "CloudLab"

    private static readonly ResiliencePipeline ConnectRetry = new ResiliencePipelineBuilder()
        .AddRetry(new RetryStrategyOptions
        {
            ShouldHandle = new PredicateBuilder().Handle<NpgsqlException>(e => e.IsTransient).Handle<SocketException>(),
            MaxRetryAttempts = 10,
            Delay = TimeSpan.FromMilliseconds(500),
            BackoffType = DelayBackoffType.Exponential,
            MaxDelay = TimeSpan.FromSeconds(5),
        })
        .Build();

    public async Task StartingAsync(CancellationToken cancellationToken)
    {
        await using var connection = await ConnectRetry.ExecuteAsync(
            async token => await database.DataSource.OpenConnectionAsync(token), cancellationToken);
        await using (var lockCommand = new NpgsqlCommand($"SELECT pg_advisory_lock({MigrationLockKey})", connection))
        {
            await lockCommand.ExecuteNonQueryAsync(cancellationToken);
        }

        try
        {
            Migrate();
            foreach (var seeder in seeders)
            {
                await seeder.SeedAsync(database, cancellationToken);
            }
        }
        finally
        {
            await using var unlockCommand =
                new NpgsqlCommand($"SELECT pg_advisory_unlock({MigrationLockKey})", connection);
            await unlockCommand.ExecuteNonQueryAsync(CancellationToken.None);
        }
    }

    private void Migrate()
    {
        var builder = DeployChanges.To
            .PostgresqlDatabase(new PostgresqlConnectionManager(database.DataSource))
            .WithTransactionPerScript()
            .LogTo(logger);
        foreach (var source in sources)
        {
            builder = builder.WithScriptsEmbeddedInAssembly(
                source.Assembly, name => name.Contains(source.NamespaceMarker, StringComparison.Ordinal));
        }

        var result = builder.Build().PerformUpgrade();
        if (!result.Successful)
        {
            throw new InvalidOperationException($"Database migration {result.ErrorScript?.Name} failed.", result.Error);
        }
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
