using CloudLab.AppHost;
using CloudLab.AppHost.Infrastructure;

var builder = DistributedApplication.CreateBuilder(args);

var infrastructure = builder.AddCloudLabInfrastructure("userdb", "productdb", "orderdb", "paymentdb", "analyticsdb");
var redis = infrastructure.Redis;

var jwtSigningKey = builder.AddParameter("jwt-signing-key", secret: true);
var adminEmail = builder.AddParameter("admin-email");
var adminPassword = builder.AddParameter("admin-password", secret: true);

builder.AddCloudLabService<Projects.CloudLab_UserService>(
        "userservice", infrastructure.Database("userdb"), redis, jwtSigningKey)
    .WithEnvironment("Seed__AdminEmail", adminEmail)
    .WithEnvironment("Seed__AdminPassword", adminPassword);

var products = builder.AddCloudLabService<Projects.CloudLab_ProductService>(
    "productservice", infrastructure.Database("productdb"), redis, jwtSigningKey);

// The payment gateway is simulated by endpoints of PaymentService itself, reached over HTTP like a real one.
var payments = builder.AddCloudLabService<Projects.CloudLab_PaymentService>(
    "paymentservice", infrastructure.Database("paymentdb"), redis, jwtSigningKey);
payments.WithEnvironment("Gateway__BaseUrl", payments.GetEndpoint("http"));
if (builder.ExecutionContext.IsRunMode)
{
    // Local runs and tests only: a published app never serves the simulator (PaymentService refuses it in Production).
    payments.WithEnvironment("Gateway__Simulator__Enabled", "true");
}

builder.AddCloudLabService<Projects.CloudLab_OrderService>(
        "orderservice", infrastructure.Database("orderdb"), redis, jwtSigningKey)
    .WithReference(products).WaitFor(products)
    .WithReference(payments).WaitFor(payments);

builder.AddCloudLabService<Projects.CloudLab_AnalyticsService>(
    "analyticsservice", infrastructure.Database("analyticsdb"), redis, jwtSigningKey);

builder.Build().Run();
