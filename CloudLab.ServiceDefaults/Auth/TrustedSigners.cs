using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace CloudLab.ServiceDefaults.Auth;

/// <summary>
/// Which key may vouch for what. UserService's user-token key vouches for users: issuer <c>cloudlab-users</c>,
/// audience <c>cloudlab</c>, any role but <c>service</c>. A service's own key vouches for that service and nothing
/// else: issuer and subject its name, the one role <c>service</c>, audience the one service it calls (so a callee
/// cannot replay it elsewhere). Keys are picked by the token's issuer, so a key is never even tried for an identity it
/// does not own; ES256 is the only algorithm accepted (no HS256 with a shared secret, no unsigned token).
/// </summary>
public sealed class TrustedSigners
{
    private readonly Dictionary<string, Signer> _byIssuer = new(StringComparer.Ordinal);
    private readonly AuthOptions _options;

    public TrustedSigners(AuthOptions options)
    {
        _options = options;
        if (string.IsNullOrWhiteSpace(options.ServiceName))
        {
            throw new InvalidOperationException("Auth:ServiceName is not set: the AppHost passes it.");
        }

        _byIssuer[options.UserTokenIssuer] =
            new Signer(null, SigningKeys.Public(options.UserTokenKeys, "Auth:UserTokenKeys"));
        foreach (var (service, pem) in options.ServiceKeys)
        {
            var keys = SigningKeys.Public(pem, $"Auth:ServiceKeys:{service}");
            if (!_byIssuer.TryAdd(service, new Signer(service, keys)))
            {
                throw new InvalidOperationException($"Auth:ServiceKeys:{service} takes the user-token issuer's name.");
            }
        }

        ValidationParameters = new TokenValidationParameters
        {
            ValidAlgorithms = [SigningKeys.Algorithm],
            ValidIssuers = [.. _byIssuer.Keys],
            ValidAudiences = [options.Audience, options.ServiceName],
            IssuerSigningKeyResolver = (_, token, _, _) => KeysOf(token.Issuer),
            IssuerSigningKeyValidator = (key, token, _) => MayVouch(key, token),
            TryAllIssuerSigningKeys = false,
            RequireSignedTokens = true,
            RequireExpirationTime = true,
            NameClaimType = "sub",
            RoleClaimType = "role",
            ClockSkew = TimeSpan.FromSeconds(30),
        };
    }

    /// <summary>The parameters JWT bearer validation runs with: these rules and nothing looser.</summary>
    public TokenValidationParameters ValidationParameters { get; }

    /// <summary>Whether <paramref name="issuer"/>'s keys include this one (by key id).</summary>
    public bool Trusts(string issuer, ECDsaSecurityKey key) =>
        KeysOf(issuer).Any(trusted => trusted.KeyId == key.KeyId);

    private IReadOnlyList<SecurityKey> KeysOf(string issuer) =>
        _byIssuer.TryGetValue(issuer, out var signer) ? signer.Keys : [];

    /// <summary>Called once the signature checked out with <paramref name="key"/>: may that key say this?</summary>
    private bool MayVouch(SecurityKey key, SecurityToken token)
    {
        if (token is not JsonWebToken jwt
            || !_byIssuer.TryGetValue(jwt.Issuer, out var signer)
            || !signer.Keys.Contains(key))
        {
            return false;
        }

        var roles = jwt.Claims.Where(claim => claim.Type == "role").Select(claim => claim.Value).ToList();
        var audiences = jwt.Audiences.ToList();
        return signer.Service is null
            ? audiences is [var audience] && audience == _options.Audience && !roles.Contains(Roles.Service)
            : jwt.Subject == signer.Service
                && roles is [Roles.Service]
                && audiences is [var callee] && callee == _options.ServiceName;
    }

    /// <param name="Service">The service a service key belongs to; null for the user-token key.</param>
    private sealed record Signer(string? Service, IReadOnlyList<SecurityKey> Keys);
}
