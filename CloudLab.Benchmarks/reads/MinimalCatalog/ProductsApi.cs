using Microsoft.AspNetCore.Http.HttpResults;

namespace CloudLab.ReadPeers.MinimalCatalog;

public static class ProductsApi
{
    public static void MapProductsApi(this IEndpointRouteBuilder app) =>
        app.MapGet("/api/products/{id:guid}", GetProduct);

    public static async Task<Results<Ok<Product>, NotFound>> GetProduct(
        Guid id, IProductReader products, CancellationToken cancellationToken) =>
        await products.GetAsync(id, cancellationToken) is { } product
            ? TypedResults.Ok(product)
            : TypedResults.NotFound();
}
