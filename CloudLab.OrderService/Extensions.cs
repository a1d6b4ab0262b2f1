using CloudLab.Contracts;
using CloudLab.OrderService.Data;
using CloudLab.OrderService.Domain;
using CloudLab.OrderService.Models;
using CloudLab.ServiceDefaults.Http;

namespace CloudLab.OrderService;

public static class Extensions
{
    public static void AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.AddServiceDatabase("orderdb", typeof(Extensions).Assembly);
        builder.AddServiceCache();
        builder.AddEventOutbox(EventStreams.Events);
        builder.AddJsonModels(OrderJsonContext.Default);
        builder.Services.AddValidation();

        // Each call fits well inside this service's own 10 s request budget.
        builder.Services.AddServiceClient<ProductCatalogClient>(
            ServiceNames.Product, new CallBudget(TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(4)));
        builder.Services.AddServiceClient<PaymentsClient>(
            ServiceNames.Payment, new CallBudget(TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(5)));
        builder.Services.AddSingleton<IProductReservations, ProductReservations>();
        builder.Services.AddSingleton<IPayments, Payments>();

        builder.Services.AddOptions<SagaOptions>().BindConfiguration("Saga");
        builder.Services.AddOptions<PlacementOptions>().BindConfiguration("Placement").ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton<IOrderStore, OrderStore>();
        builder.Services.AddSingleton<OrderReads>();
        builder.Services.AddTransient<OrderCompensation>();
        builder.Services.AddSingleton<OrderPlacement>();
        builder.Services.AddTransient<OrderLifecycle>();
        builder.Services.AddHostedService<SagaRecovery>();
        builder.Services.AddHostedService<CancelledOrderRecovery>();
        builder.Services.AddHostedService<PaymentEventsConsumer>();
    }
}
