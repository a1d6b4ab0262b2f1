using CloudLab.AppHost;
using CloudLab.AppHost.Diagnostics;
using CloudLab.AppHost.Infrastructure;
using CloudLab.AppHost.Security;

var builder = DistributedApplication.CreateBuilder(args).AddResourceLogFiles();

var infrastructure = builder.AddCloudLabInfrastructure("userdb", "productdb", "orderdb", "paymentdb", "analyticsdb");
var redis = infrastructure.Redis;

var tokenKeys = TokenKeys.Add(builder);
var adminEmail = builder.AddParameter("admin-email");
var adminPassword = builder.AddParameter("admin-password", secret: true);

builder.AddCloudLabService<Projects.CloudLab_UserService>(
        "userservice", infrastructure.Database("userdb"), redis, tokenKeys)
    // The user-token key goes to UserService alone: no other service can sign a user's token.
    .WithEnvironment("UserTokens__SigningKey", tokenKeys.UserTokens.PrivateKey)
    .WithEnvironment("Seed__AdminEmail", adminEmail)
    .WithEnvironment("Seed__AdminPassword", adminPassword);

var products = builder.AddCloudLabService<Projects.CloudLab_ProductService>(
    "productservice", infrastructure.Database("productdb"), redis, tokenKeys);

// The payment gateway is simulated by endpoints of PaymentService itself, reached over HTTP like a real one.
var payments = builder.AddCloudLabService<Projects.CloudLab_PaymentService>(
    "paymentservice", infrastructure.Database("paymentdb"), redis, tokenKeys);
payments.WithEnvironment("Gateway__BaseUrl", payments.GetEndpoint("http"));
if (builder.ExecutionContext.IsRunMode)
{
    // Local runs and tests only: a published app never serves the simulator (PaymentService refuses it in Production).
    payments.WithEnvironment("Gateway__Simulator__Enabled", "true");
}

builder.AddCloudLabService<Projects.CloudLab_OrderService>(
        "orderservice", infrastructure.Database("orderdb"), redis, tokenKeys)
    .WithReference(products).WaitFor(products)
    .WithReference(payments).WaitFor(payments);

builder.AddCloudLabService<Projects.CloudLab_AnalyticsService>(
    "analyticsservice", infrastructure.Database("analyticsdb"), redis, tokenKeys);

builder.Build().Run();
