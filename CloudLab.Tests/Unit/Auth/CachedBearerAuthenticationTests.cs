using System.Security.Claims;
using CloudLab.ServiceDefaults.Auth;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features.Authentication;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Microsoft.IdentityModel.Tokens;
using static CloudLab.Tests.Infrastructure.Tokens;
using static CloudLab.Tests.Unit.Auth.TestKeys;

namespace CloudLab.Tests.Unit.Auth;

/// <summary>
/// A bearer token validated before makes the request's user without the authentication handler; any other request
/// (never validated, expired, not a bearer header) goes through ASP.NET Core's authentication as before.
/// </summary>
public sealed class CachedBearerAuthenticationTests : IDisposable
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private readonly ValidatedTokenCache _cache;
    private readonly TokenValidationParameters _parameters;
    private readonly ServiceProvider _services;
    private readonly CachedBearerAuthentication _middleware;
    private ClaimsPrincipal? _seenByNext;

    public CachedBearerAuthenticationTests()
    {
        _cache = new ValidatedTokenCache(100, _time);
        _parameters = new TrustedSigners(Options("productservice")).ValidationParameters;
        // No scheme: what reaches ASP.NET Core's middleware stays anonymous, which tells the two paths apart.
        _services = new ServiceCollection().AddLogging().AddAuthenticationCore().BuildServiceProvider();
        _middleware = new CachedBearerAuthentication(
            context =>
            {
                _seenByNext = context.User;
                return Task.CompletedTask;
            },
            _services.GetRequiredService<IAuthenticationSchemeProvider>(),
            _cache);
    }

    [Fact]
    public async Task A_validated_token_makes_its_read_only_user_and_a_successful_result()
    {
        var token = Sign(User, UserIssuer, "ada", "customer", "cloudlab");
        Assert.True((await _cache.ValidateTokenAsync(token, _parameters)).IsValid);

        var first = await SendAsync($"Bearer {token}");
        var identity = first.User.Identities.Single();
        Assert.Throws<InvalidOperationException>(() => identity.AddClaim(new Claim("role", "admin")));
        Assert.Throws<InvalidOperationException>(() => identity.RemoveClaim(identity.FindFirst("sub")));
        Assert.Throws<InvalidOperationException>(() => first.User.AddIdentity(new ClaimsIdentity("other")));
        var copy = identity.Clone();
        copy.AddClaim(new Claim("role", "admin"));
        var second = await SendAsync($"bearer  {token} ");

        Assert.Equal("ada", _seenByNext?.Identity?.Name);
        Assert.True(second.User.Identity?.IsAuthenticated);
        Assert.False(second.User.IsInRole("admin"));
        var result = second.Features.Get<IAuthenticateResultFeature>()?.AuthenticateResult;
        Assert.True(result?.Succeeded);
        Assert.Equal("Bearer", result!.Ticket!.AuthenticationScheme);
        Assert.Same(second.User, second.Features.Get<IHttpAuthenticationFeature>()?.User);
    }

    [Fact]
    public async Task Tokens_never_validated_or_expired_go_through_the_authentication_middleware()
    {
        var token = Sign(User, UserIssuer, "ada", "customer", "cloudlab", expires: DateTime.UtcNow.AddMinutes(2));

        var unknown = await SendAsync($"Bearer {token}");
        Assert.True((await _cache.ValidateTokenAsync(token, _parameters)).IsValid);
        var notBearer = await SendAsync($"Basic {token}");
        _time.Advance(TimeSpan.FromMinutes(3));
        var expired = await SendAsync($"Bearer {token}");

        foreach (var context in new[] { unknown, notBearer, expired })
        {
            Assert.False(context.User.Identity?.IsAuthenticated ?? false);
            Assert.Null(context.Features.Get<IAuthenticateResultFeature>());
        }
    }

    public void Dispose()
    {
        _cache.Dispose();
        _services.Dispose();
    }

    private async Task<HttpContext> SendAsync(string authorization)
    {
        var context = new DefaultHttpContext { RequestServices = _services };
        context.Request.Headers.Authorization = authorization;
        await _middleware.InvokeAsync(context);
        return context;
    }
}
