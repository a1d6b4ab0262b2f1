using CloudLab.AppHost;
using CloudLab.AppHost.Infrastructure;

var builder = DistributedApplication.CreateBuilder(args);

var infrastructure = builder.AddCloudLabInfrastructure("userdb", "productdb", "orderdb", "paymentdb", "analyticsdb");
var redis = infrastructure.Redis;

var jwtSigningKey = builder.AddParameter("jwt-signing-key", secret: true);
var adminEmail = builder.AddParameter("admin-email");
var adminPassword = builder.AddParameter("admin-password", secret: true);


var products = builder.AddCloudLabService<Projects.CloudLab_ProductService>("productservice", infrastructure.Database("productdb"), redis, jwtSigningKey);




builder.Build().Run();
