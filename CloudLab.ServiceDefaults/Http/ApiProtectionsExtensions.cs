using CloudLab.ServiceDefaults.Auth;
using CloudLab.ServiceDefaults.Http.Input;
using CloudLab.ServiceDefaults.Http.RateLimiting;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace CloudLab.ServiceDefaults.Http;

/// <summary>The request path every service shares: metrics, errors, size limit, rate limits, compression.</summary>
internal static class ApiProtectionsExtensions
{
    public static IServiceCollection AddApiProtections(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton<ApiMetrics>();
        services.AddOptions<RequestMetricsOptions>().Bind(configuration.GetSection("RequestMetrics"));
        services.AddProblemDetails(options => options.CustomizeProblemDetails = context =>
        {
            context.ProblemDetails.Instance ??= context.HttpContext.Request.Path;
            if (context.ProblemDetails.Status == StatusCodes.Status413PayloadTooLarge)
            {
                // Kestrel refuses the body while it is read; minimal APIs then answer with a bare 413.
                context.ProblemDetails.Title = "Request body too large";
                context.ProblemDetails.Detail ??= RequestLimits.TooLargeDetail;
            }

            if (context.ProblemDetails is HttpValidationProblemDetails validation)
            {
                CamelCaseFieldNames(validation.Errors);
            }
        });
        services.AddExceptionHandler<GlobalExceptionHandler>();

        // Malformed JSON and wrong types reach GlobalExceptionHandler, which answers 400 with what was wrong.
        services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
        services.Configure<KestrelServerOptions>(options =>
        {
            options.Limits.MaxRequestBodySize = RequestLimits.MaxRequestBodyBytes;
            options.ConfigureEndpointDefaults(listen => listen.Use(LingeringClose.Middleware));
        });

        // Every request has a budget (RequestTimeouts:Default, per
        // service); calls a service makes to others are shorter.
        var requestTimeout = configuration.GetValue("RequestTimeouts:Default", TimeSpan.FromSeconds(10));
        if (requestTimeout > TimeSpan.Zero)
        {
            services.AddSingleton(new RequestBudgetClock(requestTimeout));
        }

        services.AddApiCompression(configuration);
        services.AddApiRateLimiting(configuration);
        return services;
    }

    /// <summary>
    /// Authentication only for requests that carry credentials, a token validated before taken from the cache
    /// (<see cref="CachedBearerAuthentication"/>). Every CloudLab scheme is a bearer token, so a request
    /// without an Authorization header would only be found anonymous, at the cost of a handler, a scope lookup and
    /// ~15 % of a cached read's allocations (measured with dotnet-trace). Endpoints that require a user still
    /// challenge: authorization authenticates on demand.
    /// </summary>
    private static void UseBearerAuthentication(this WebApplication app)
    {
        app.UseWhen(
            context => context.Request.Headers.Authorization.Count > 0,
            branch => branch.UseMiddleware<CachedBearerAuthentication>());

        // WebApplication adds UseAuthentication() itself unless this
        // flag says it was called (the branch's flag does not count).
        ((IApplicationBuilder)app).Properties["__AuthenticationMiddlewareSet"] = true;
    }

    /// <summary>
    /// Authorization only for endpoints that ask for it (a policy, a role, <c>[Authorize]</c>), or for every request
    /// once a fallback policy is set, and not for an authenticated user on an endpoint that asks for nothing more
    /// (<see cref="AuthorizationShortcut"/>). For any other endpoint the middleware finds no policy and calls the next
    /// one, at the cost of a policy lookup and the request's Items dictionary, which it creates to mark itself as run:
    /// 0.8 µs of a cached product read's ~50 µs of CPU in a perf profile (<c>CloudLab.Benchmarks/reads/profile</c>).
    /// </summary>
    internal static void UseAuthorizationWhereAsked(this WebApplication app)
    {
        var shortcut = new AuthorizationShortcut(
            app.Services.GetRequiredService<IAuthorizationPolicyProvider>(),
            app.Services.GetRequiredService<IAuthorizationMiddlewareResultHandler>(),
            app.Services.GetRequiredService<IOptions<AuthorizationOptions>>().Value);
        app.UseWhen(shortcut.NeedsMiddleware, branch => branch.UseAuthorization());

        // WebApplication adds UseAuthorization() itself unless this
        // flag says it was called (the branch's flag does not count).
        ((IApplicationBuilder)app).Properties["__AuthorizationMiddlewareSet"] = true;
    }

    /// <summary>
    /// Field errors name body fields as the JSON does (camelCase); header and query names keep their spelling.
    /// </summary>
    private static void CamelCaseFieldNames(IDictionary<string, string[]> errors)
    {
        var fields = errors.Keys
            .Where(key => key.Length > 0 && char.IsUpper(key[0]) && !key.Contains('-', StringComparison.Ordinal))
            .ToList();
        foreach (var field in fields)
        {
            var camel = string.Join(
                '.', field.Split('.').Select(System.Text.Json.JsonNamingPolicy.CamelCase.ConvertName));
            errors[camel] = errors.TryGetValue(camel, out var existing)
                ? [.. existing, .. errors[field]]
                : errors[field];
            errors.Remove(field);
        }
    }

    public static WebApplication UseApiProtections(this WebApplication app)
    {
        app.UseMiddleware<RequestMetricsMiddleware>();
        app.UseExceptionHandler();
        app.UseMiddleware<StatusCodeProblemsMiddleware>();
        app.UseBearerAuthentication();
        app.UseApiRateLimiting();
        if (app.Services.GetService<RequestBudgetClock>() is not null)
        {
            app.UseMiddleware<RequestBudgetMiddleware>();
        }
        app.UseApiCompression();
        app.UseAuthorizationWhereAsked();
        app.UseMiddleware<RequestTextMiddleware>();
        return app;
    }
}
