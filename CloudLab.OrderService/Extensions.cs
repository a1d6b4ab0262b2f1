using CloudLab.OrderService.Clients;
using CloudLab.OrderService.Data;
using CloudLab.OrderService.Models;
using CloudLab.OrderService.Saga;
using CloudLab.ServiceDefaults.Http;

namespace CloudLab.OrderService;

public static class Extensions
{
    public static void AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.AddServiceDatabase("orderdb", typeof(Extensions).Assembly);
        builder.AddEventOutbox();
        builder.AddJsonModels(OrderJsonContext.Default);
        builder.Services.AddValidation();

        // Each call fits well inside this service's own 10 s request budget.
        builder.Services.AddServiceClient<ProductCatalogClient>("productservice", new CallBudget(TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(4)));
        builder.Services.AddServiceClient<PaymentsClient>("paymentservice", new CallBudget(TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(5)));

        builder.Services.AddOptions<SagaOptions>().BindConfiguration("Saga");
        builder.Services.AddSingleton<OrderStore>();
        builder.Services.AddSingleton<OrderReads>();
        builder.Services.AddTransient<OrderCompensation>();
        builder.Services.AddTransient<OrderPlacement>();
        builder.Services.AddTransient<OrderLifecycle>();
        builder.Services.AddHostedService<SagaRecovery>();
    }
}
