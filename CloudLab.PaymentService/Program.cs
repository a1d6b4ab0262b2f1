using CloudLab.PaymentService;
using CloudLab.PaymentService.Apis;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddApplicationServices();

var app = builder.Build();

app.UseServiceDefaults();

var api = app.MapApi();
api.MapPaymentsApi();
api.MapGatewaySimulator(app);
app.MapDefaultEndpoints();

app.Run();
