using System.Security.Claims;
using CloudLab.ServiceDefaults.Auth;
using Microsoft.Extensions.Time.Testing;
using Microsoft.IdentityModel.Tokens;
using CloudLab.Tests.Infrastructure;
using static CloudLab.Tests.Infrastructure.Tokens;
using static CloudLab.Tests.Unit.Auth.TestKeys;

namespace CloudLab.Tests.Unit.Auth;

/// <summary>
/// A token's signature is checked once, then remembered until the token expires; refusals are never remembered.
/// </summary>
public sealed class ValidatedTokenCacheTests : IDisposable
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private readonly ValidatedTokenCache _cache;
    private readonly TokenValidationParameters _parameters;
    private int _signatureChecks;

    public ValidatedTokenCacheTests()
    {
        _cache = new ValidatedTokenCache(100, _time);
        _parameters = new TrustedSigners(Options("productservice")).ValidationParameters.Clone();
        var rules = _parameters.IssuerSigningKeyValidator;
        _parameters.IssuerSigningKeyValidator = (key, token, parameters) =>
        {
            Interlocked.Increment(ref _signatureChecks);
            return rules(key, token, parameters);
        };
    }

    [Fact]
    public async Task A_valid_token_is_checked_once_and_each_request_gets_its_own_identity()
    {
        var token = Sign(User, UserIssuer, "ada", "customer", "cloudlab");

        var first = await _cache.ValidateTokenAsync(token, _parameters);
        first.ClaimsIdentity.AddClaim(new Claim("role", "admin"));
        var second = await _cache.ValidateTokenAsync(token, _parameters);

        Assert.True(first.IsValid);
        Assert.True(second.IsValid);
        Assert.Equal(1, _signatureChecks);
        Assert.Equal("ada", second.ClaimsIdentity.Name);
        Assert.False(new ClaimsPrincipal(second.ClaimsIdentity).IsInRole("admin"));
        Assert.NotNull(second.SecurityToken);
    }

    [Fact]
    public async Task An_expired_token_is_not_served_from_the_cache()
    {
        var token = Sign(User, UserIssuer, "ada", "customer", "cloudlab", expires: DateTime.UtcNow.AddMinutes(2));
        Assert.True((await _cache.ValidateTokenAsync(token, _parameters)).IsValid);

        _time.Advance(TimeSpan.FromMinutes(3));
        await _cache.ValidateTokenAsync(token, _parameters);

        Assert.Equal(2, _signatureChecks);
    }

    [Fact]
    public async Task A_refused_token_is_checked_again_every_time()
    {
        var forged = Sign(Product, "productservice", "productservice", "admin", "productservice");

        Assert.False((await _cache.ValidateTokenAsync(forged, _parameters)).IsValid);
        Assert.False((await _cache.ValidateTokenAsync(forged, _parameters)).IsValid);
        Assert.Equal(2, _signatureChecks);
    }

    public void Dispose() => _cache.Dispose();
}
