using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace CloudLab.ServiceDefaults.Auth;

/// <summary>Signs access tokens (ES256) with one private key, under one issuer.</summary>
public sealed class TokenSigner(ECDsaSecurityKey key, string issuer, TimeProvider time)
{
    private readonly JsonWebTokenHandler _handler = new();
    private readonly SigningCredentials _credentials = new(key, SigningKeys.Algorithm);

    public string Sign(string subject, string role, string audience, TimeSpan lifetime, string? email = null)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var claims = new Dictionary<string, object> { ["sub"] = subject, ["role"] = role };
        if (email is not null)
        {
            claims["email"] = email;
        }

        return _handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer,
            Audience = audience,
            Claims = claims,
            IssuedAt = now,
            NotBefore = now,
            Expires = now + lifetime,
            SigningCredentials = _credentials,
        });
    }
}
