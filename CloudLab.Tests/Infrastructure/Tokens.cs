using System.Security.Cryptography;
using CloudLab.ServiceDefaults.Auth;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace CloudLab.Tests.Infrastructure;

/// <summary>Access tokens signed with whatever key and claims a test needs, forgeries included.</summary>
public static class Tokens
{
    public const string UserIssuer = "cloudlab-users";

    public static string Sign(
        ECDsa key,
        string issuer,
        string subject,
        object role,
        string audience,
        DateTime? expires = null,
        string? keyId = null)
    {
        var securityKey = new ECDsaSecurityKey(key) { KeyId = keyId ?? SigningKeys.KeyId(key) };
        var credentials = new SigningCredentials(securityKey, SigningKeys.Algorithm);
        return Sign(credentials, issuer, subject, role, audience, expires);
    }

    public static string Sign(
        SigningCredentials? credentials,
        string issuer,
        string subject,
        object role,
        string audience,
        DateTime? expires = null)
    {
        var expiry = expires ?? DateTime.UtcNow.AddMinutes(10);
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer,
            Audience = audience,
            Claims = new Dictionary<string, object> { ["sub"] = subject, ["role"] = role },
            IssuedAt = expiry.AddHours(-1),
            NotBefore = expiry.AddHours(-1),
            Expires = expiry,
            SigningCredentials = credentials,
        });
    }
}
