using CloudLab.ServiceDefaults.Data;
using CloudLab.ServiceDefaults.Messaging;
using Microsoft.Extensions.DependencyInjection;

namespace Microsoft.Extensions.Hosting;

public static class EventsExtensions
{
    /// <summary>
    /// The transactional outbox: its table (a migration), the writer, and the relay that publishes to
    /// <paramref name="streamName"/>. The service names the stream; the spine knows no event.
    /// </summary>
    public static IHostApplicationBuilder AddEventOutbox(this IHostApplicationBuilder builder, string streamName)
    {
        builder.Services.AddSingleton(new MigrationSource(typeof(OutboxWriter).Assembly, ".Messaging.Migrations."));
        builder.Services.AddSingleton(new OutboxOptions(streamName));
        builder.Services.AddSingleton<OutboxSignal>();
        builder.Services.AddSingleton<OutboxWriter>();
        builder.Services.AddHostedService<OutboxRelay>();
        return builder;
    }
}
