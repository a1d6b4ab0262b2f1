using CloudLab.ServiceDefaults.Auth;
using CloudLab.UserService.Data;
using CloudLab.UserService.Models;
using CloudLab.UserService.Domain;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;

namespace CloudLab.UserService.Apis;

public static class AuthApi
{
    // Verified when the e-mail is unknown, so a wrong address costs as long as a wrong password.
    private static readonly Lazy<string> DecoyHash =
        new(() => new PasswordHasher<object>().HashPassword(string.Empty, Guid.NewGuid().ToString()));

    public static RouteGroupBuilder MapAuthApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/auth").WithTags("Auth");
        api.MapPost("/login", Login);
        return api;
    }

    public static async Task<Results<Ok<TokenResponse>, ProblemHttpResult>> Login(
        LoginRequest request,
        UserStore users,
        PasswordHashingPool hashing,
        TokenFactory tokens,
        CancellationToken cancellationToken)
    {
        var credentials = await users.FindCredentialsAsync(request.Email, cancellationToken);
        var verification = await hashing.VerifyAsync(credentials?.PasswordHash ?? DecoyHash.Value, request.Password);
        if (credentials is null || verification == PasswordVerificationResult.Failed)
        {
            return TypedResults.Problem(
                "The e-mail or password is wrong.",
                statusCode: StatusCodes.Status401Unauthorized,
                title: "Log-in failed");
        }

        if (verification == PasswordVerificationResult.SuccessRehashNeeded)
        {
            await users.UpdatePasswordHashAsync(
                credentials.Id, await hashing.HashAsync(request.Password), cancellationToken);
        }

        var token = tokens.CreateToken(credentials.Id.ToString(), credentials.Role, credentials.Email);
        return TypedResults.Ok(new TokenResponse(token, "Bearer", (int)tokens.Lifetime.TotalSeconds));
    }
}
