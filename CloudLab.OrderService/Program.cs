using CloudLab.OrderService;
using CloudLab.OrderService.Apis;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddApplicationServices();

var app = builder.Build();

app.UseServiceDefaults();

var api = app.MapApi();
api.MapOrdersApi();
app.MapDefaultEndpoints();

app.Run();
