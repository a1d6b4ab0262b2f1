namespace CloudLab.ServiceDefaults.Auth;

/// <summary>
/// Configuration section <c>Auth</c>, set by the AppHost: who this service is, its own signing key, and the public keys
/// it trusts. Public keys are PEM (SubjectPublicKeyInfo); a value may hold several PEM blocks, so a new key can be
/// trusted before the signer switches to it and an old one until its last token has expired.
/// </summary>
public sealed class AuthOptions
{
    /// <summary>This service's name: the issuer and subject of the tokens it signs for its own calls.</summary>
    public string ServiceName { get; set; } = string.Empty;

    /// <summary>
    /// This service's own private key (PEM, ECDSA P-256), for its service tokens only: the rules in
    /// <see cref="TrustedSigners"/> never accept it for a user's token. Empty: the service cannot call others.
    /// </summary>
    public string ServiceKey { get; set; } = string.Empty;

    /// <summary>The public key(s) of UserService's user-token key: the only keys that may vouch for a user.</summary>
    public string UserTokenKeys { get; set; } = string.Empty;

    /// <summary>Each service's public key(s), by service name: they vouch for that service and nothing else.</summary>
    public Dictionary<string, string> ServiceKeys { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The issuer of users' tokens (UserService).</summary>
    public string UserTokenIssuer { get; set; } = "cloudlab-users";

    /// <summary>The audience of users' tokens: every CloudLab service. A service token names its one callee.</summary>
    public string Audience { get; set; } = "cloudlab";

    /// <summary>Validated tokens kept so a token's signature is checked once, not on every request.</summary>
    public int ValidatedTokenCacheSize { get; set; } = 10_000;
}

/// <summary>The roles the shared policies know; a service may issue others (its own users' roles).</summary>
public static class Roles
{
    public const string Admin = "admin";

    /// <summary>Another CloudLab service calling on its own behalf, with a token signed by its own key.</summary>
    public const string Service = "service";
}

public static class Policies
{
    public const string Admin = "admin";
}
