using System.Security.Claims;

namespace CloudLab.ServiceDefaults.Auth;

public static class ClaimsPrincipalExtensions
{
    /// <summary>The caller's subject (<c>sub</c>) as an id.</summary>
    public static Guid SubjectId(this ClaimsPrincipal caller) =>
        Guid.TryParse(caller.FindFirstValue("sub"), out var id)
            ? id
            : throw new InvalidOperationException("The caller has no subject id.");

    public static bool IsAdmin(this ClaimsPrincipal caller) => caller.IsInRole(Roles.Admin);

    /// <summary>
    /// Whether the caller is one of these services on its own behalf: a service token's subject is its service's
    /// name, and only that service's key can sign it.
    /// </summary>
    public static bool IsServiceAmong(this ClaimsPrincipal caller, IReadOnlySet<string> services) =>
        caller.IsInRole(Roles.Service) && caller.FindFirstValue("sub") is { } name && services.Contains(name);
}
