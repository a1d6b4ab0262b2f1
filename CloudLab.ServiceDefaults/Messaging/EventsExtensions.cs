using CloudLab.ServiceDefaults.Data;
using CloudLab.ServiceDefaults.Messaging;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Microsoft.Extensions.Hosting;

public static class EventsExtensions
{
    /// <summary>
    /// The transactional outbox: its table (a migration), the writer, the relay that publishes to
    /// <paramref name="streamName"/> and the stream's trimming. The service names the stream; the spine knows no event.
    /// </summary>
    public static IHostApplicationBuilder AddEventOutbox(this IHostApplicationBuilder builder, string streamName)
    {
        builder.Services.AddSingleton(new MigrationSource(typeof(OutboxWriter).Assembly, ".Messaging.Migrations."));
        builder.Services.AddSingleton(new OutboxOptions(
            streamName,
            builder.Configuration.GetValue("Messaging:StreamRetention", TimeSpan.FromMinutes(15))));
        builder.Services.AddSingleton<OutboxSignal>();
        builder.Services.AddSingleton<OutboxWriter>();
        builder.Services.AddBrokerIdentity();
        builder.Services.AddHostedService<OutboxRelay>();
        builder.Services.AddSingleton<StreamRetention>();
        builder.Services.AddHostedService(services => services.GetRequiredService<StreamRetention>());
        return builder;
    }

    /// <summary>The Redis server's identity and restore signal, shared by relays and consumers.</summary>
    public static IServiceCollection AddBrokerIdentity(this IServiceCollection services)
    {
        services.TryAddSingleton<BrokerIdentity>();
        services.TryAddSingleton(TimeProvider.System);
        return services;
    }
}
