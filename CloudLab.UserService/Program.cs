using CloudLab.UserService;
using CloudLab.UserService.Apis;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddApplicationServices();

var app = builder.Build();

app.UseServiceDefaults();

var api = app.MapApi();
api.MapUsersApi();
api.MapAuthApi();
app.MapDefaultEndpoints();

app.Run();
