using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace CloudLab.ServiceDefaults.Auth;

/// <summary>
/// This service's own tokens for calling another service: signed with its own key, role <c>service</c>, subject and
/// issuer its name, audience the callee. One token per callee, renewed at half its lifetime, so signing is not a cost
/// per call.
/// </summary>
/// <remarks>
/// Why a key pair per service rather than tokens fetched from UserService with per-service credentials: no call between
/// services then depends on UserService being up, and nothing is exchanged at start-up. Why not the old shared key:
/// whoever holds a service's key can only ever speak as that service (see <see cref="TrustedSigners"/>).
/// </remarks>
public sealed class ServiceTokens(IOptions<AuthOptions> options, TimeProvider time)
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(10);

    private readonly ConcurrentDictionary<string, IssuedToken> _byAudience = new(StringComparer.Ordinal);
    private readonly Lazy<TokenSigner> _signer = new(() => new TokenSigner(
        SigningKeys.Private(options.Value.ServiceKey, "Auth:ServiceKey"), options.Value.ServiceName, time));

    public string For(string audience)
    {
        var now = time.GetUtcNow();
        if (_byAudience.TryGetValue(audience, out var current) && now < current.RenewAt)
        {
            return current.Token;
        }

        var name = options.Value.ServiceName;
        var issued = new IssuedToken(_signer.Value.Sign(name, Roles.Service, audience, Lifetime), now + Lifetime / 2);
        _byAudience[audience] = issued;
        return issued.Token;
    }

    private sealed record IssuedToken(string Token, DateTimeOffset RenewAt);
}
