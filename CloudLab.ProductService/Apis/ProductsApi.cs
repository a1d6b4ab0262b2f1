using CloudLab.ProductService.Domain;
using CloudLab.ProductService.Models;
using CloudLab.ServiceDefaults.Auth;
using CloudLab.ServiceDefaults.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace CloudLab.ProductService.Apis;

public static class ProductsApi
{
    public static RouteGroupBuilder MapProductsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/products").WithTags("Products");
        api.MapGet("/", ListProducts).WithName("ListProducts");
        api.MapGet("/{id:guid}", GetProduct).WithName("GetProduct");
        api.MapPost("/", CreateProduct).RequireAuthorization(Policies.Admin);
        api.MapPut("/{id:guid}", UpdateProduct).RequireAuthorization(Policies.Admin);
        return api;
    }

    public static async Task<Ok<PagedResult<Product>>> ListProducts(
        PageRequest page,
        [FromQuery(Name = "category_id")] Guid? categoryId,
        [FromQuery(Name = "status")] string? status,
        [FromQuery(Name = "in_stock")] bool? inStock,
        [FromQuery(Name = "q")] string? q,
        Catalog catalog,
        CancellationToken cancellationToken)
    {
        if (q is { Length: > 100 })
        {
            throw new RequestValidationException("q", "q must be at most 100 characters.");
        }

        var filter = new ProductFilter(
            categoryId, ParseStatus(status), inStock, string.IsNullOrWhiteSpace(q) ? null : q.Trim());
        return TypedResults.Ok(await catalog.ListProductsAsync(filter, page, cancellationToken));
    }

    /// <summary>The hot path: a ValueTask, so a cache hit completes without allocating a Task.</summary>
    public static async ValueTask<Results<Ok<Product>, NotFound>> GetProduct(
        Guid id, Catalog catalog, CancellationToken cancellationToken) =>
        await catalog.GetProductAsync(id, cancellationToken) is { } product
            ? TypedResults.Ok(product)
            : TypedResults.NotFound();

    public static async Task<Results<Created<Product>, ValidationProblem>> CreateProduct(
        CreateProductRequest request, Catalog catalog, CancellationToken cancellationToken)
    {
        if (!await catalog.CategoryExistsAsync(request.CategoryId!.Value, cancellationToken))
        {
            return UnknownCategory();
        }

        var product = await catalog.CreateProductAsync(request, cancellationToken);
        return TypedResults.Created($"/api/products/{product.Id}", product);
    }

    public static async Task<Results<Ok<Product>, NotFound, ValidationProblem>> UpdateProduct(
        Guid id, UpdateProductRequest request, Catalog catalog, CancellationToken cancellationToken)
    {
        if (!await catalog.CategoryExistsAsync(request.CategoryId!.Value, cancellationToken))
        {
            return UnknownCategory();
        }

        return await catalog.UpdateProductAsync(id, request, cancellationToken) is { } product
            ? TypedResults.Ok(product)
            : TypedResults.NotFound();
    }

    private static ProductStatus? ParseStatus(string? status) =>
        string.IsNullOrEmpty(status) ? null
        : ProductStatusNames.TryParse(status, out var parsed) ? parsed
        : throw new RequestValidationException("status", "status must be active, inactive or discontinued.");

    private static ValidationProblem UnknownCategory() =>
        TypedResults.ValidationProblem(
            new Dictionary<string, string[]> { ["categoryId"] = ["No category has this id."] });
}
