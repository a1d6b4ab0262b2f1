using CloudLab.PaymentService;
using CloudLab.PaymentService.Apis;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddApplicationServices();

var app = builder.Build();

app.UseServiceDefaults();

app.MapPaymentsApi();
app.MapGatewaySimulator();
app.MapDefaultEndpoints();

app.Run();
