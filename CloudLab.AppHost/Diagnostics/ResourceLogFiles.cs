using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace CloudLab.AppHost.Diagnostics;

/// <summary>
/// With <c>Diagnostics:ResourceLogDirectory</c> set, each resource's console output (a service's logs, PostgreSQL's,
/// Redis's) is also written to <c>&lt;directory&gt;/&lt;resource id&gt;.log</c>. Load and chaos runs start the app
/// without the dashboard, so without this the output of a service that crashed or hung mid-run is gone with it.
/// </summary>
public static class ResourceLogFiles
{
    public static IDistributedApplicationBuilder AddResourceLogFiles(this IDistributedApplicationBuilder builder)
    {
        if (builder.Configuration["Diagnostics:ResourceLogDirectory"] is { Length: > 0 } directory)
        {
            Directory.CreateDirectory(directory);
            builder.Services.AddHostedService(services => new Writer(
                services.GetRequiredService<ResourceNotificationService>(),
                services.GetRequiredService<ResourceLoggerService>(),
                directory));
        }

        return builder;
    }

    private sealed class Writer(
        ResourceNotificationService notifications, ResourceLoggerService logs, string directory) : BackgroundService
    {
        protected override async Task ExecuteAsync(CancellationToken stoppingToken)
        {
            var watched = new HashSet<string>(StringComparer.Ordinal);
            var copies = new List<Task>();
            try
            {
                await foreach (var change in notifications.WatchAsync(stoppingToken))
                {
                    if (watched.Add(change.ResourceId))
                    {
                        copies.Add(CopyAsync(change.ResourceId, stoppingToken));
                    }
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
            }

            await Task.WhenAll(copies);
        }

        private async Task CopyAsync(string resourceId, CancellationToken stoppingToken)
        {
            StreamWriter? file = null; // opened at the first line: parameters and the like write none
            try
            {
                await foreach (var batch in logs.WatchAsync(resourceId).WithCancellation(stoppingToken))
                {
                    file ??= new StreamWriter(Path.Combine(directory, $"{resourceId}.log"), append: false)
                    {
                        AutoFlush = true,
                    };
                    foreach (var line in batch)
                    {
                        await file.WriteLineAsync(line.Content);
                    }
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
            }
            finally
            {
                if (file is not null)
                {
                    await file.DisposeAsync();
                }
            }
        }
    }
}
