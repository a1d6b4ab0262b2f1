using CloudLab.Contracts;
using CloudLab.PaymentService.Data;
using CloudLab.PaymentService.Domain;
using CloudLab.PaymentService.Models;
using CloudLab.ServiceDefaults.Auth;
using CloudLab.ServiceDefaults.Http;
using Microsoft.Extensions.Options;

namespace CloudLab.PaymentService;

public static class Extensions
{
    public static void AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.AddServiceDatabase("paymentdb", typeof(Extensions).Assembly);
        builder.AddServiceCache();
        builder.AddEventOutbox(EventStreams.Events);
        builder.AddJsonModels(PaymentJsonContext.Default);
        builder.Services.AddValidation();

        builder.Services.AddOptions<GatewayOptions>().BindConfiguration("Gateway");
        var gateway = builder.Configuration.GetSection("Gateway").Get<GatewayOptions>() ?? new GatewayOptions();
        // An external API call: at most 1 s (the standard); fast failures are retried within it, safely: each call
        // carries the payment id as its idempotency key.
        var gatewayClient = builder.Services.AddHttpClient<IPaymentGateway, PaymentGatewayClient>((services, http) =>
            http.BaseAddress = services.GetRequiredService<IOptions<GatewayOptions>>().Value.BaseUrl
                ?? throw new InvalidOperationException(
                    "Gateway:BaseUrl is not set: the AppHost sets it to the simulated gateway."));
        if (gateway.Simulator.Enabled)
        {
            // The simulated gateway serves only service (and admin) callers. A real gateway authenticates in its own
            // way and is never sent this service's token. The simulator runs in this service: the token names it.
            gatewayClient.WithServiceToken(
                builder.Configuration["Auth:ServiceName"]
                    ?? throw new InvalidOperationException("Auth:ServiceName is not set: the AppHost passes it."));
        }

        gatewayClient.WithCallBudget(new CallBudget(gateway.AttemptTimeout, gateway.TotalTimeout));

        builder.Services.AddSingleton<IPaymentStore, PaymentStore>();
        builder.Services.AddSingleton<PaymentProcessor>();
        builder.Services.AddSingleton<GatewayLedger>();
        builder.Services.AddHostedService<PendingPaymentRecovery>();
    }
}
