using CloudLab.ProductService.Data;
using CloudLab.ProductService.Domain;
using CloudLab.ProductService.Models;
using CloudLab.ServiceDefaults.Data;

namespace CloudLab.ProductService;

public static class Extensions
{
    public static void AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.AddServiceDatabase("productdb", typeof(Extensions).Assembly);
        builder.AddServiceCache();
        builder.AddJsonModels(ProductJsonContext.Default);
        builder.Services.AddValidation();

        builder.Services.AddOptions<SeedOptions>().BindConfiguration("Seed");
        builder.Services.AddSingleton<IDatabaseSeeder, CatalogSeeder>();
        builder.Services.AddSingleton<ProductStore>();
        builder.Services.AddSingleton<ProductCacheWriter>();
        builder.Services.AddSingleton<Catalog>();
        builder.Services.AddSingleton<ReservationStore>();
        builder.Services.AddSingleton<StockReservations>();
    }
}
