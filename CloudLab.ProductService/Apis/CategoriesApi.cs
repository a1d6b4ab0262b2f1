using CloudLab.ProductService.Domain;
using CloudLab.ProductService.Models;
using CloudLab.ServiceDefaults.Auth;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CloudLab.ProductService.Apis;

public static class CategoriesApi
{
    public static RouteGroupBuilder MapCategoriesApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/categories").WithTags("Categories");
        api.MapGet("/", ListCategories);
        api.MapPost("/", CreateCategory).RequireAuthorization(Policies.Admin);
        return api;
    }

    public static async Task<Ok<IReadOnlyList<Category>>> ListCategories(
        Catalog catalog, CancellationToken cancellationToken) =>
        TypedResults.Ok(await catalog.CategoriesAsync(cancellationToken));

    public static async Task<Results<Created<Category>, ProblemHttpResult>> CreateCategory(
        CreateCategoryRequest request, Catalog catalog, CancellationToken cancellationToken) =>
        await catalog.CreateCategoryAsync(request.Name, cancellationToken) is { } category
            ? TypedResults.Created($"/api/categories/{category.Id}", category)
            : TypedResults.Problem(
                $"A category named '{request.Name.Trim()}' already exists.",
                statusCode: StatusCodes.Status409Conflict,
                title: "Category exists");
}
