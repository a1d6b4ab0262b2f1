using System.Security.Claims;
using System.Text.Encodings.Web;
using CloudLab.ServiceDefaults.Http;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CloudLab.Tests.Unit.Auth;

/// <summary>
/// The shared pipeline's authorization in process: an authenticated user on an endpoint that asks only for one passes
/// without ASP.NET Core's authorization middleware, and every other case gets that middleware's answer (401 without a
/// user, 403 for a policy, a role or a requirement the user does not meet, 200 on an anonymous opt-out).
/// </summary>
public sealed class AuthorizationShortcutTests : IAsyncLifetime
{
    private const string UserHeader = "X-Test-User";
    private const string RoleHeader = "X-Test-Role";

    private readonly CountingHandler _handler = new();
    private WebApplication _app = null!;
    private HttpClient _client = null!;

    public async Task InitializeAsync() => (_app, _client) = await StartAsync(_handler);

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _app.DisposeAsync();
    }

    [Theory]
    [InlineData("/open", null, null, HttpStatusCode.OK, false)]
    [InlineData("/signed-in", "ada", null, HttpStatusCode.OK, false)]
    [InlineData("/signed-in", null, null, HttpStatusCode.Unauthorized, true)]
    [InlineData("/admin-policy", "ada", null, HttpStatusCode.Forbidden, true)]
    [InlineData("/admin-policy", "ada", "admin", HttpStatusCode.OK, true)]
    [InlineData("/admin-policy", null, null, HttpStatusCode.Unauthorized, true)]
    [InlineData("/admin-role", "ada", null, HttpStatusCode.Forbidden, true)]
    [InlineData("/admin-role", "ada", "admin", HttpStatusCode.OK, true)]
    [InlineData("/requirement", "ada", null, HttpStatusCode.Forbidden, true)]
    [InlineData("/anonymous", null, null, HttpStatusCode.OK, false)]
    public async Task Each_endpoint_answers_as_its_rules_say(
        string path, string? user, string? role, HttpStatusCode expected, bool handlersRun)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (user is not null)
        {
            request.Headers.Add(UserHeader, user);
        }

        if (role is not null)
        {
            request.Headers.Add(RoleHeader, role);
        }

        var before = _handler.Calls;
        using var response = await _client.SendAsync(request);

        Assert.Equal(expected, response.StatusCode);
        // The handlers run where the middleware evaluates a policy; the shortcut and open endpoints never call them.
        Assert.Equal(handlersRun, _handler.Calls > before);
    }

    [Fact]
    public async Task A_custom_result_handler_sees_every_request_that_asks_for_authorization()
    {
        var handler = new CountingHandler();
        var (app, client) = await StartAsync(handler, services =>
            services.AddSingleton<IAuthorizationMiddlewareResultHandler, MarkingResultHandler>());
        await using var started = app;
        using var http = client;
        using var request = new HttpRequestMessage(HttpMethod.Get, "/signed-in");
        request.Headers.Add(UserHeader, "ada");

        using var response = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(response.Headers.Contains(MarkingResultHandler.Header));
        Assert.Equal(1, handler.Calls);
    }

    private static async Task<(WebApplication App, HttpClient Client)> StartAsync(
        CountingHandler handler, Action<IServiceCollection>? configure = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        builder.Logging.ClearProviders();
        builder.Services.AddAuthentication(HeaderScheme.Name)
            .AddScheme<AuthenticationSchemeOptions, HeaderScheme>(HeaderScheme.Name, null);
        builder.Services.AddAuthorizationBuilder().AddPolicy("admin", policy => policy.RequireRole("admin"));
        builder.Services.AddSingleton<IAuthorizationHandler>(handler);
        configure?.Invoke(builder.Services);
        var app = builder.Build();
        app.UseAuthentication();
        app.UseAuthorizationWhereAsked();
        app.MapGet("/open", () => "open");
        app.MapGet("/signed-in", () => "signed in").RequireAuthorization();
        app.MapGet("/admin-policy", () => "admin").RequireAuthorization("admin");
        app.MapGet("/admin-role", [Authorize(Roles = "admin")] () => "admin");
        app.MapGet("/requirement", () => "requirement")
            .RequireAuthorization(policy => policy.RequireClaim("tier", "gold"));
        app.MapGet("/anonymous", [AllowAnonymous] () => "anonymous").RequireAuthorization();
        await app.StartAsync();
        return (app, app.GetTestClient());
    }

    /// <summary>Authenticates whoever names a user in a header, with the role of another header.</summary>
    private sealed class HeaderScheme(
        IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
        : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
    {
        public const string Name = "header";

        protected override Task<AuthenticateResult> HandleAuthenticateAsync()
        {
            if (Request.Headers[UserHeader] is not [{ } user])
            {
                return Task.FromResult(AuthenticateResult.NoResult());
            }

            var claims = new List<Claim> { new(ClaimTypes.Name, user) };
            if (Request.Headers[RoleHeader] is [{ } role])
            {
                claims.Add(new Claim(ClaimTypes.Role, role));
            }

            var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, Name));
            return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(principal, Name)));
        }
    }

    /// <summary>ASP.NET Core's result handling, with a header that says it ran.</summary>
    private sealed class MarkingResultHandler : IAuthorizationMiddlewareResultHandler
    {
        public const string Header = "X-Result-Handler";

        private readonly AuthorizationMiddlewareResultHandler _default = new();

        public Task HandleAsync(
            RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult result)
        {
            context.Response.Headers[Header] = "ran";
            return _default.HandleAsync(next, context, policy, result);
        }
    }

    /// <summary>Counts the evaluations of any requirement, and decides none.</summary>
    private sealed class CountingHandler : IAuthorizationHandler
    {
        private int _calls;

        public int Calls => Volatile.Read(ref _calls);

        public Task HandleAsync(AuthorizationHandlerContext context)
        {
            Interlocked.Increment(ref _calls);
            return Task.CompletedTask;
        }
    }
}
