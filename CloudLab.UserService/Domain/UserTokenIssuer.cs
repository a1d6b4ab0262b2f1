using CloudLab.ServiceDefaults.Auth;
using Microsoft.Extensions.Options;

namespace CloudLab.UserService.Domain;

/// <summary>Configuration section <c>UserTokens</c>: the user-token private key, given to UserService alone.</summary>
public sealed class UserTokenOptions
{
    /// <summary>PEM, ECDSA P-256: the AppHost's <c>user-token-signing-key</c> parameter.</summary>
    public string SigningKey { get; set; } = string.Empty;

    public TimeSpan Lifetime { get; set; } = TimeSpan.FromHours(1);
}

/// <summary>
/// Signs users' access tokens with the user-token key, the only key every service accepts for a user's identity and
/// role. The key lives in this service alone: no other service can sign a customer's or an admin's token.
/// </summary>
public sealed class UserTokenIssuer(IOptions<UserTokenOptions> options, IOptions<AuthOptions> auth, TimeProvider time)
{
    private readonly TokenSigner _signer = new(
        SigningKeys.Private(options.Value.SigningKey, "UserTokens:SigningKey"), auth.Value.UserTokenIssuer, time);

    public TimeSpan Lifetime => options.Value.Lifetime;

    public string Issue(Guid userId, string role, string email) =>
        _signer.Sign(userId.ToString(), role, auth.Value.Audience, Lifetime, email);
}

/// <summary>
/// Checked at start-up: the signing key parses and is one the services trust for users (<c>Auth:UserTokenKeys</c>);
/// otherwise every token this service issued would be refused everywhere.
/// </summary>
public sealed class UserTokenOptionsValidator(IOptions<AuthOptions> auth) : IValidateOptions<UserTokenOptions>
{
    public ValidateOptionsResult Validate(string? name, UserTokenOptions options)
    {
        try
        {
            var key = SigningKeys.Private(options.SigningKey, "UserTokens:SigningKey");
            return new TrustedSigners(auth.Value).Trusts(auth.Value.UserTokenIssuer, key)
                ? ValidateOptionsResult.Success
                : ValidateOptionsResult.Fail(
                    "UserTokens:SigningKey is not among Auth:UserTokenKeys: no service would accept its tokens.");
        }
        catch (InvalidOperationException exception)
        {
            return ValidateOptionsResult.Fail(exception.Message);
        }
    }
}
