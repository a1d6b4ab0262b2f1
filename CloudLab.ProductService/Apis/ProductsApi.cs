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

    /// <summary>
    /// Pages are public catalogue reads like the products on them: cached as bytes, revalidated by ETag.
    /// </summary>
    public static async Task<CachedJsonResult<PagedResult<Product>>> ListProducts(
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
        return new CachedJsonResult<PagedResult<Product>>(
            await catalog.ListProductsJsonAsync(filter, page, cancellationToken), RevalidateEachTime);
    }

    /// <summary>
    /// The hot path: a ValueTask, so a cache hit completes without allocating a Task, and the hit is the product's
    /// ready JSON, copied to the response. Answers 304 to a client that already holds this version; shared caches may
    /// keep the body but must revalidate it (stock changes).
    /// </summary>
    public static async ValueTask<Results<CachedJsonResult<Product>, NotFound>> GetProduct(
        Guid id, Catalog catalog, CancellationToken cancellationToken) =>
        await catalog.GetProductJsonAsync(id, cancellationToken) is { } product
            ? new CachedJsonResult<Product>(product, RevalidateEachTime)
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

    /// <summary>
    /// A full replacement, conditional on the version it was based on: <c>If-Match</c> with the ETag from a GET, or
    /// <c>version</c> in the body. Without either it is refused (428): an absolute stock value written blind would
    /// undo reservations made since. <c>If-Match: *</c> overwrites whatever is current, on purpose.
    /// </summary>
    public static async Task<Results<Ok<Product>, NotFound, ValidationProblem, ProblemHttpResult>> UpdateProduct(
        Guid id, UpdateProductRequest request, HttpContext http, Catalog catalog, CancellationToken cancellationToken)
    {
        var ifMatch = EntityTags.ParseIfMatch(http.Request);
        long? expectedVersion;
        switch (ifMatch.Kind)
        {
            case IfMatchKind.Version:
                expectedVersion = ifMatch.Version;
                break;
            case IfMatchKind.Any:
                expectedVersion = null;
                break;
            case IfMatchKind.Malformed:
                throw new RequestValidationException(
                    "If-Match", "If-Match must be one strong entity tag as returned in ETag, or *.");
            default:
                if (request.Version is not { } version)
                {
                    return TypedResults.Problem(
                        statusCode: StatusCodes.Status428PreconditionRequired,
                        title: "Precondition required",
                        detail: "Send If-Match with the product's ETag (or its version in the body), so the update "
                            + "cannot overwrite a change made since you read it.");
                }

                expectedVersion = version;
                break;
        }

        if (!await catalog.CategoryExistsAsync(request.CategoryId!.Value, cancellationToken))
        {
            return UnknownCategory();
        }

        var update = await catalog.UpdateProductAsync(id, request, expectedVersion, cancellationToken);
        if (update.Product is { } current)
        {
            http.Response.Headers.ETag = current.ETag;
        }

        return update.Outcome switch
        {
            ProductUpdateOutcome.Updated => TypedResults.Ok(update.Product!),
            ProductUpdateOutcome.VersionMismatch => TypedResults.Problem(
                statusCode: StatusCodes.Status412PreconditionFailed,
                title: "The product has changed",
                detail: "It was modified after the version this update is based on: read it again and reapply.",
                extensions: new Dictionary<string, object?> { ["currentVersion"] = update.Product?.Version }),
            _ => TypedResults.NotFound(),
        };
    }

    private const string RevalidateEachTime = "public, no-cache";

    private static ProductStatus? ParseStatus(string? status) =>
        string.IsNullOrEmpty(status) ? null
        : ProductStatusNames.TryParse(status, out var parsed) ? parsed
        : throw new RequestValidationException("status", "status must be active, inactive or discontinued.");

    private static ValidationProblem UnknownCategory() =>
        TypedResults.ValidationProblem(
            new Dictionary<string, string[]> { ["categoryId"] = ["No category has this id."] });
}
