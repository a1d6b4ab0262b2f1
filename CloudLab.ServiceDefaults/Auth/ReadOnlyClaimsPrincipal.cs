using System.Security.Claims;

namespace CloudLab.ServiceDefaults.Auth;

/// <summary>
/// The user of a validated token, made once and shared by every request that carries the token: its claims cannot
/// be added or removed, and its identities not changed. A request that wants a changed user replaces
/// <c>HttpContext.User</c> with a copy (<see cref="ClaimsIdentity.Clone"/> of its identity). Per request, a copy of
/// the token's identity cost a cached <c>GET /api/users/me</c> ~1 KB of allocations and a clone of each claim.
/// </summary>
internal sealed class ReadOnlyClaimsPrincipal(ClaimsIdentity identity) : ClaimsPrincipal(new ReadOnlyIdentity(identity))
{
    private const string Shared =
        "The user of a cached token is shared by every request with that token; replace HttpContext.User with a copy "
        + "(ClaimsIdentity.Clone()) to change it.";

    public override void AddIdentity(ClaimsIdentity identity) => throw new InvalidOperationException(Shared);

    public override void AddIdentities(IEnumerable<ClaimsIdentity> identities) =>
        throw new InvalidOperationException(Shared);

    /// <summary>A copy of the token's identity whose claims cannot change; its Clone() is a mutable copy.</summary>
    private sealed class ReadOnlyIdentity(ClaimsIdentity identity) : ClaimsIdentity(identity)
    {
        public override void AddClaim(Claim claim) => throw new InvalidOperationException(Shared);

        public override void AddClaims(IEnumerable<Claim?> claims) => throw new InvalidOperationException(Shared);

        public override void RemoveClaim(Claim? claim) => throw new InvalidOperationException(Shared);

        public override bool TryRemoveClaim(Claim? claim) => throw new InvalidOperationException(Shared);
    }
}
