namespace CloudLab.ServiceDefaults.Auth;

/// <summary>
/// Configuration section <c>Auth</c>. The signing key comes from the AppHost's <c>jwt-signing-key</c> parameter.
/// </summary>
public sealed class AuthOptions
{
    public string SigningKey { get; set; } = string.Empty;

    public string Issuer { get; set; } = "cloudlab-users";

    public string Audience { get; set; } = "cloudlab";

    public TimeSpan AccessTokenLifetime { get; set; } = TimeSpan.FromHours(1);
}

/// <summary>The roles the shared policies know; a service may issue others (its own users' roles).</summary>
public static class Roles
{
    public const string Admin = "admin";

    /// <summary>Another CloudLab service calling on its own behalf, with the token it signs for itself.</summary>
    public const string Service = "service";
}

public static class Policies
{
    public const string Admin = "admin";
    public const string ServiceOrAdmin = "service-or-admin";
}
