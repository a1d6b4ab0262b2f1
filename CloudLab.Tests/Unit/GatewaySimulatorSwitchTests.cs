using CloudLab.PaymentService.Apis;
using CloudLab.PaymentService.Data;
using CloudLab.PaymentService.Models;
using CloudLab.ServiceDefaults.Auth;
using CloudLab.ServiceDefaults.Http.RateLimiting;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace CloudLab.Tests.Unit;

/// <summary>
/// The simulated gateway is test scaffolding: mapped only when configuration turns it on, never in Production, and
/// only for service (or admin) callers.
/// </summary>
public sealed class GatewaySimulatorSwitchTests
{
    [Fact]
    public async Task Production_refuses_to_start_with_the_simulator_enabled()
    {
        await using var app = App(Environments.Production, enabled: true);

        var refused = Assert.Throws<InvalidOperationException>(() => app.MapApi().MapGatewaySimulator(app));

        Assert.Contains(GatewaySimulatorApi.EnabledSetting, refused.Message, StringComparison.Ordinal);
        Assert.Empty(Endpoints(app));
    }

    [Theory]
    [InlineData("Production")]
    [InlineData("Development")]
    public async Task Without_the_setting_the_simulator_is_not_mapped(string environment)
    {
        await using var app = App(environment, enabled: null);

        Assert.Null(app.MapApi().MapGatewaySimulator(app));
        Assert.Empty(Endpoints(app));
    }

    [Fact]
    public async Task Enabled_outside_production_it_requires_PaymentService_or_an_admin_and_keeps_the_client_limits()
    {
        await using var app = App(Environments.Development, enabled: true);

        Assert.NotNull(app.MapApi().MapGatewaySimulator(app));

        var endpoints = Endpoints(app);
        Assert.Equal(2, endpoints.Count);
        Assert.All(endpoints, endpoint =>
        {
            var callers = endpoint.Metadata.GetOrderedMetadata<AuthorizationPolicy>()
                .SelectMany(policy => policy.Requirements.OfType<CallerRequirement>())
                .Single();
            Assert.Equal(["paymentservice"], callers.Services);
            Assert.Null(endpoint.Metadata.GetMetadata<DisableRateLimitingAttribute>());
            Assert.NotNull(endpoint.Metadata.GetMetadata<ExcludeFromServiceCapacityAttribute>());
        });
    }

    private static WebApplication App(string environment, bool? enabled)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = environment });
        if (enabled is { } value)
        {
            builder.Configuration[GatewaySimulatorApi.EnabledSetting] = value ? "true" : "false";
        }

        // What the handlers take from DI, so that their endpoints can be built (nothing here is resolved).
        builder.Services.AddSingleton<GatewayLedger>(
            _ => throw new InvalidOperationException("The ledger is not used by these tests."));
        builder.Services.AddOptions<GatewayOptions>();
        builder.Services.AddAuthorization();
        return builder.Build();
    }

    private static List<Endpoint> Endpoints(WebApplication app) =>
        ((IEndpointRouteBuilder)app).DataSources.SelectMany(source => source.Endpoints).ToList();
}
