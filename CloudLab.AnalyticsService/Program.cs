using CloudLab.AnalyticsService;
using CloudLab.AnalyticsService.Apis;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddApplicationServices();

var app = builder.Build();

app.UseServiceDefaults();

var api = app.MapApi();
api.MapAnalyticsApi();
app.MapDefaultEndpoints();

app.Run();
