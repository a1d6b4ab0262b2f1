using System.Security.Claims;
using System.Text;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace CloudLab.ServiceDefaults.Auth;

/// <summary>
/// Signs access tokens (HS256). The identity service issues its users' tokens; every service signs its own short-lived
/// token with role <c>service</c> for calls to other services. The key is shared, so any service could sign.
/// </summary>
public sealed class TokenFactory(IOptions<AuthOptions> options, TimeProvider time)
{
    private readonly JsonWebTokenHandler _handler = new();
    private readonly AuthOptions _options = options.Value;
    private readonly SigningCredentials _credentials =
        new(SigningKey(options.Value), SecurityAlgorithms.HmacSha256);

    public TimeSpan Lifetime => _options.AccessTokenLifetime;

    public string CreateToken(string subject, string role, string? email = null, TimeSpan? lifetime = null)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var claims = new Dictionary<string, object> { ["sub"] = subject, ["role"] = role };
        if (email is not null)
        {
            claims["email"] = email;
        }

        return _handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = _options.Issuer,
            Audience = _options.Audience,
            Claims = claims,
            IssuedAt = now,
            NotBefore = now,
            Expires = now + (lifetime ?? _options.AccessTokenLifetime),
            SigningCredentials = _credentials,
        });
    }

    public static SymmetricSecurityKey SigningKey(AuthOptions options)
    {
        if (Encoding.UTF8.GetByteCount(options.SigningKey) < 32)
        {
            throw new InvalidOperationException(
                "Auth:SigningKey must be at least 32 bytes: "
                    + "the AppHost passes it from its 'jwt-signing-key' parameter.");
        }

        return new SymmetricSecurityKey(Encoding.UTF8.GetBytes(options.SigningKey));
    }
}

public static class ClaimsPrincipalExtensions
{
    /// <summary>The caller's subject (<c>sub</c>) as an id.</summary>
    public static Guid SubjectId(this ClaimsPrincipal caller) =>
        Guid.TryParse(caller.FindFirstValue("sub"), out var id)
            ? id
            : throw new InvalidOperationException("The caller has no subject id.");

    public static bool IsAdmin(this ClaimsPrincipal caller) => caller.IsInRole(Roles.Admin);
}
