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
        new(() => new Argon2idPasswordHasher().HashPassword(string.Empty, Guid.NewGuid().ToString()));

    public static RouteGroupBuilder MapAuthApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/auth").WithTags("Auth");
        api.MapPost("/login", Login);
        return api;
    }

    /// <summary>
    /// 200 with a token; 401 for a wrong e-mail or password (which one is not said); 429 with Retry-After while the
    /// account is locked after repeated failures (<see cref="LoginThrottle"/>), whatever the password.
    /// </summary>
    public static async Task<Results<Ok<TokenResponse>, ProblemHttpResult>> Login(
        LoginRequest request,
        UserStore users,
        PasswordHashingPool hashing,
        UserTokenIssuer tokens,
        LoginThrottle throttle,
        HttpContext context,
        CancellationToken cancellationToken)
    {
        var account = UserStore.Normalize(request.Email);
        if (await throttle.LockedForAsync(account) is { } lockedFor)
        {
            var seconds = Math.Max(1, (int)Math.Ceiling(lockedFor.TotalSeconds));
            context.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return TypedResults.Problem(
                $"Too many failed log-ins for this account; try again in {seconds} s.",
                statusCode: StatusCodes.Status429TooManyRequests,
                title: "Log-in locked",
                extensions: new Dictionary<string, object?> { ["retryAfterSeconds"] = seconds });
        }

        var credentials = await users.FindCredentialsAsync(request.Email, cancellationToken);
        var verification = await hashing.VerifyAsync(credentials?.PasswordHash ?? DecoyHash.Value, request.Password);
        if (credentials is null || verification == PasswordVerificationResult.Failed)
        {
            await throttle.FailedAsync(account);
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

        await throttle.SucceededAsync(account);
        var token = tokens.Issue(credentials.Id, credentials.Role, credentials.Email);
        return TypedResults.Ok(new TokenResponse(token, "Bearer", (int)tokens.Lifetime.TotalSeconds));
    }
}
