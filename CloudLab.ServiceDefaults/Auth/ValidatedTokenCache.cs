using System.Diagnostics.CodeAnalysis;
using System.Security.Claims;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace CloudLab.ServiceDefaults.Auth;

/// <summary>
/// The token handler JWT bearer validation uses: a token that passed full validation is remembered until it expires,
/// so its ES256 signature (tens of µs; see CloudLab.Benchmarks) is checked once per process, not on every request a
/// client makes with it. Only valid tokens are kept, never longer than their own expiry; the keys and rules are fixed
/// for the life of the process, so a token valid once stays valid until then. The JWT handler gets its own copy of
/// the identity each time; <see cref="TryGetUser"/> gives the token's one shared, read-only user.
/// </summary>
public sealed class ValidatedTokenCache : TokenHandler, IDisposable
{
    private readonly JsonWebTokenHandler _inner = new() { MapInboundClaims = false };
    private readonly MemoryCache _entries;
    private readonly TimeProvider _time;

    public ValidatedTokenCache(int capacity, TimeProvider time)
    {
        _time = time;
        _entries = new MemoryCache(new MemoryCacheOptions { SizeLimit = Math.Max(1, capacity) });
    }

    public override async Task<TokenValidationResult> ValidateTokenAsync(
        string token, TokenValidationParameters validationParameters)
    {
        var now = _time.GetUtcNow().UtcDateTime;
        if (Valid(token, now) is { } entry)
        {
            return new TokenValidationResult
            {
                IsValid = true,
                SecurityToken = entry.Token,
                ClaimsIdentity = entry.Identity.Clone(),
                Issuer = entry.Token.Issuer,
            };
        }

        var result = await _inner.ValidateTokenAsync(token, validationParameters);
        if (result.IsValid && result.SecurityToken is JsonWebToken validated && now < validated.ValidTo)
        {
            var identity = result.ClaimsIdentity.Clone();
            var remembered = new Entry(validated, identity, new ReadOnlyClaimsPrincipal(identity));
            _entries.Set(token, remembered, new MemoryCacheEntryOptions
            {
                Size = 1,
                AbsoluteExpiration = new DateTimeOffset(validated.ValidTo, TimeSpan.Zero),
            });
        }

        return result;
    }

    /// <summary>
    /// The user of a token that passed full validation and has not expired, shared by every request with that token
    /// and read-only (<see cref="ReadOnlyClaimsPrincipal"/>); false for any other token, which must then go through
    /// <see cref="ValidateTokenAsync"/>. Looked up by the token's characters where they are, without a string.
    /// </summary>
    public bool TryGetUser(ReadOnlySpan<char> token, [NotNullWhen(true)] out ClaimsPrincipal? user)
    {
        user = Valid(token, _time.GetUtcNow().UtcDateTime)?.User;
        return user is not null;
    }

    public void Dispose() => _entries.Dispose();

    private Entry? Valid(ReadOnlySpan<char> token, DateTime now) =>
        _entries.TryGetValue(token, out Entry? entry) && entry is not null && now < entry.Token.ValidTo ? entry : null;

    private sealed record Entry(JsonWebToken Token, ClaimsIdentity Identity, ClaimsPrincipal User);
}
