using System.Reflection;
using CloudLab.ServiceDefaults.Data;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Microsoft.Extensions.Hosting;

public static class DatabaseExtensions
{
    /// <summary>
    /// The service's PostgreSQL database: a pooled <see cref="NpgsqlDataSource"/> from the injected connection string
    /// (with Aspire's health check, tracing and Npgsql pool metrics), the timed <see cref="Database"/> helper,
    /// and the service's SQL migrations (embedded resources under <c>Migrations/</c>) applied at start-up.
    /// </summary>
    public static IHostApplicationBuilder AddServiceDatabase(
        this IHostApplicationBuilder builder, string connectionName, Assembly migrationsAssembly)
    {
        Dapper.DefaultTypeMap.MatchNamesWithUnderscores = true; // created_at -> CreatedAt
        var options = builder.Configuration.GetSection("Database").Get<DatabaseOptions>() ?? new DatabaseOptions();
        builder.Services.AddOptions<DatabaseOptions>().BindConfiguration("Database");

        builder.AddNpgsqlDataSource(connectionName, configureDataSourceBuilder: dataSource =>
        {
            var connection = dataSource.ConnectionStringBuilder;
            connection.MaxPoolSize = options.MaxPoolSize;
            connection.MinPoolSize = options.MinPoolSize;
            connection.Timeout = (int)Math.Ceiling(options.ConnectionWait.TotalSeconds);
            // Statements a service runs over and over are prepared once per connection.
            connection.MaxAutoPrepare = 64;
            connection.AutoPrepareMinUsages = 2;
            connection.NoResetOnClose = true;
        });

        builder.Services.AddSingleton<DatabaseMetrics>();
        builder.Services.AddSingleton<Database>();
        builder.Services.AddSingleton(new MigrationSource(migrationsAssembly, ".Migrations."));
        builder.Services.AddHostedService<DatabaseMigrator>();
        return builder;
    }
}
