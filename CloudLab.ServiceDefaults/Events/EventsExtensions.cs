using CloudLab.ServiceDefaults.Data;
using CloudLab.ServiceDefaults.Events;
using Microsoft.Extensions.DependencyInjection;

namespace Microsoft.Extensions.Hosting;

public static class EventsExtensions
{
    /// <summary>The transactional outbox: its table (a migration), the writer, and the relay to the Redis stream.</summary>
    public static IHostApplicationBuilder AddEventOutbox(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton(new MigrationSource(typeof(OutboxWriter).Assembly, ".Events.Migrations."));
        builder.Services.AddSingleton<OutboxSignal>();
        builder.Services.AddSingleton<OutboxWriter>();
        builder.Services.AddHostedService<OutboxRelay>();
        return builder;
    }
}
