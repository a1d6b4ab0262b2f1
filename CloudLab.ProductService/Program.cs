using CloudLab.ProductService;
using CloudLab.ProductService.Apis;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddApplicationServices();

var app = builder.Build();

app.UseServiceDefaults();

var api = app.MapApi();
api.MapProductsApi();
api.MapCategoriesApi();
api.MapReservationsApi();
app.MapDefaultEndpoints();

app.Run();
