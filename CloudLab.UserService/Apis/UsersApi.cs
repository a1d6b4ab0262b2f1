using System.Security.Claims;
using CloudLab.ServiceDefaults.Auth;
using CloudLab.ServiceDefaults.Http;
using CloudLab.UserService.Data;
using CloudLab.UserService.Models;
using CloudLab.UserService.Domain;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CloudLab.UserService.Apis;

public static class UsersApi
{
    public static RouteGroupBuilder MapUsersApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/users").WithTags("Users");
        api.MapPost("/", Register);
        api.MapGet("/me", GetMe).RequireAuthorization();
        api.MapPut("/me", UpdateMe).RequireAuthorization();
        api.MapGet("/{id:guid}", GetUser).RequireAuthorization();
        api.MapGet("/", ListUsers).RequireAuthorization(Policies.Admin);
        return api;
    }

    public static async Task<Results<Created<UserProfile>, ProblemHttpResult>> Register(
        RegisterUserRequest request,
        UserDirectory users,
        PasswordHashingPool hashing,
        CancellationToken cancellationToken)
    {
        var hash = await hashing.HashAsync(request.Password);
        var registered = await users.RegisterAsync(
            request.Email, hash, request.Name, UserRoles.Customer, cancellationToken);
        return registered is { } user
            ? TypedResults.Created($"/api/users/{user.Id}", user)
            : TypedResults.Problem(
                "An account with this e-mail already exists.",
                statusCode: StatusCodes.Status409Conflict,
                title: "E-mail taken");
    }

    /// <summary>
    /// Served from the profile's cached JSON; private, and revalidated by ETag. A ValueTask, as the product read: a
    /// cache hit completes without allocating a Task.
    /// </summary>
    public static async ValueTask<Results<CachedJsonResult<UserProfile>, NotFound>> GetMe(
        ClaimsPrincipal caller, UserDirectory users, CancellationToken cancellationToken) =>
        await users.GetJsonAsync(caller.SubjectId(), cancellationToken) is { } user
            ? new CachedJsonResult<UserProfile>(user, PrivateRevalidateEachTime)
            : TypedResults.NotFound();

    public static async Task<Results<Ok<UserProfile>, NotFound>> UpdateMe(
        UpdateProfileRequest request,
        ClaimsPrincipal caller,
        UserDirectory users,
        CancellationToken cancellationToken) =>
        await users.UpdateProfileAsync(caller.SubjectId(), request, cancellationToken) is { } user
            ? TypedResults.Ok(user)
            : TypedResults.NotFound();

    /// <summary>Yourself, or anyone for an admin; anyone else's id answers 404 so ids cannot be probed.</summary>
    public static async Task<Results<CachedJsonResult<UserProfile>, NotFound>> GetUser(
        Guid id, ClaimsPrincipal caller, UserDirectory users, CancellationToken cancellationToken)
    {
        if (id != caller.SubjectId() && !caller.IsAdmin())
        {
            return TypedResults.NotFound();
        }

        return await users.GetJsonAsync(id, cancellationToken) is { } user
            ? new CachedJsonResult<UserProfile>(user, PrivateRevalidateEachTime)
            : TypedResults.NotFound();
    }

    private const string PrivateRevalidateEachTime = "private, no-cache";

    public static async Task<Ok<PagedResult<UserProfile>>> ListUsers(
        PageRequest page, UserDirectory users, CancellationToken cancellationToken) =>
        TypedResults.Ok(await users.ListAsync(page, cancellationToken));
}
