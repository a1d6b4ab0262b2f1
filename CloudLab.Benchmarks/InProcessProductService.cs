using System.Security.Cryptography;
using CloudLab.ProductService;
using CloudLab.ProductService.Apis;
using CloudLab.ProductService.Domain;
using CloudLab.ProductService.Models;
using CloudLab.ServiceDefaults.Caching;
using CloudLab.ServiceDefaults.Http.Input;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace CloudLab.Benchmarks;

/// <summary>
/// ProductService composed as its Program.cs composes it (services, then the middleware given, then its endpoints),
/// on a server that calls the application directly (<see cref="DirectServer"/>), with one product already in its
/// cache. Settings are the load settings of --start-app: 1 % trace sampling, the calibration endpoint; the rate
/// limits stay on with budgets that never refuse.
/// The background jobs that need PostgreSQL or Redis (migrations, cache repair, resource sampling) are not started and
/// the connection strings point at closed ports: a cache hit touches neither.
/// </summary>
internal sealed class InProcessProductService : IAsyncDisposable
{
    public const string BarePath = "/calibration/bare";

    private readonly WebApplication _app;
    private readonly DirectServer _server;

    private InProcessProductService(WebApplication app)
    {
        _app = app;
        _server = (DirectServer)app.Services.GetRequiredService<IServer>();
    }

    public static string ProductPath { get; } = $"/api/products/{SampleProduct.Lamp.Id}";

    public static async Task<InProcessProductService> StartAsync(Action<WebApplication> useMiddleware)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            ApplicationName = typeof(Catalog).Assembly.GetName().Name,
            EnvironmentName = Environments.Production,
        });
        builder.Services.AddSingleton<IServer, DirectServer>();
        builder.Configuration.AddInMemoryCollection(Settings());
        builder.AddServiceDefaults();
        builder.AddApplicationServices();
        RemoveCloudLabBackgroundJobs(builder.Services);

        var app = builder.Build();
        useMiddleware(app);
        var api = app.MapApi();
        api.MapProductsApi();
        api.MapCategoriesApi();
        api.MapReservationsApi();
        app.MapDefaultEndpoints();
        await app.StartAsync();

        var service = new InProcessProductService(app);
        await service.WarmAsync();
        return service;
    }

    /// <summary>One GET through the whole pipeline; the status code, so a refused or failed request shows.</summary>
    public Task<int> GetAsync(string path) => _server.GetAsync(path);

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private static Dictionary<string, string?> Settings()
    {
        using var userKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        const string Unlimited = "1000000000";
        return new()
        {
            ["ConnectionStrings:productdb"] = "Host=127.0.0.1;Port=9;Username=postgres;Database=productdb",
            ["ConnectionStrings:redis"] = "127.0.0.1:9",
            ["Auth:ServiceName"] = "productservice",
            ["Auth:UserTokenKeys"] = userKey.ExportSubjectPublicKeyInfoPem(),
            ["Telemetry:OtlpExport"] = "false",
            ["Telemetry:TraceSampleRatio"] = "0.01",
            ["Diagnostics:CalibrationEndpoint"] = "true",
            ["Logging:LogLevel:Default"] = "Warning",
            // Redis is a closed port here: its reconnect errors, each with a stack trace, would land in the timings.
            ["Logging:LogLevel:StackExchange.Redis"] = "None",
            ["RateLimiting:PerClient:AnonymousPermitsPerSecond"] = Unlimited,
            ["RateLimiting:PerClient:AnonymousBurst"] = Unlimited,
            ["RateLimiting:PerClient:AuthenticatedPermitsPerSecond"] = Unlimited,
            ["RateLimiting:PerClient:AuthenticatedBurst"] = Unlimited,
            ["RateLimiting:Service:BurstPermitsPerSecond"] = Unlimited,
        };
    }

    private static void RemoveCloudLabBackgroundJobs(IServiceCollection services)
    {
        var jobs = services
            .Where(service => service.ServiceType == typeof(IHostedService)
                && (service.ImplementationType
                    ?? service.ImplementationFactory?.GetType().GenericTypeArguments[^1])?.Namespace?
                    .StartsWith("CloudLab.", StringComparison.Ordinal) == true)
            .ToList();
        foreach (var job in jobs)
        {
            services.Remove(job);
        }
    }

    /// <summary>The product into the cache as a write puts it there, then one read that must be a hit.</summary>
    private async Task WarmAsync()
    {
        var product = SampleProduct.Lamp;
        await _app.Services.GetRequiredService<ServiceCache>()
            .SetAsync(
                CachePolicies.Product,
                CachePolicies.Product.Key(product.Id),
                ProductCacheWriter.Entry(product));
        foreach (var path in new[] { BarePath, ProductPath })
        {
            var status = await GetAsync(path);
            if (status != StatusCodes.Status200OK)
            {
                throw new InvalidOperationException(
                    $"GET {path} answered {status} in the benchmark host: a cached product read must not need the "
                        + "database, so the warm-up no longer fills the cache the way the read path reads it.");
            }
        }
    }
}
