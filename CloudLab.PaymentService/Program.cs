using CloudLab.PaymentService;
using CloudLab.PaymentService.Apis;
using CloudLab.PaymentService.Gateway;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddApplicationServices();

var app = builder.Build();

app.UseServiceDefaults();

app.MapPaymentsApi();
app.MapGatewaySimulator();
app.MapDefaultEndpoints();

app.Run();
