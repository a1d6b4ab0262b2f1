using CloudLab.AnalyticsService.Data;
using CloudLab.AnalyticsService.Domain;
using CloudLab.AnalyticsService.Models;

namespace CloudLab.AnalyticsService;

public static class Extensions
{
    public static void AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.AddServiceDatabase("analyticsdb", typeof(Extensions).Assembly);
        builder.AddServiceCache();
        builder.AddJsonModels(AnalyticsJsonContext.Default);

        builder.Services.AddSingleton<EventProjector>();
        builder.Services.AddBrokerIdentity();
        builder.Services.AddHostedService<EventStreamConsumer>();
        builder.Services.AddSingleton<AnalyticsStore>();
        builder.Services.AddSingleton<AnalyticsReports>();
    }
}
