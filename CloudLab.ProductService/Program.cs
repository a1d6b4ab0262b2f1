using CloudLab.ProductService;
using CloudLab.ProductService.Apis;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddApplicationServices();

var app = builder.Build();

app.UseServiceDefaults();

app.MapProductsApi();
app.MapCategoriesApi();
app.MapReservationsApi();
app.MapDefaultEndpoints();

app.Run();
