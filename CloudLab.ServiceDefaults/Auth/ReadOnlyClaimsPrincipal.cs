using System.Security.Claims;

namespace CloudLab.ServiceDefaults.Auth;

/// <summary>
/// The user of a validated token, made once and shared by every request that carries the token: its claims cannot
/// be added or removed, and its identities not changed. A request that wants a changed user replaces
/// <c>HttpContext.User</c> with a copy (<see cref="ClaimsIdentity.Clone"/> of its identity). A copy of the token's
/// identity per request cost an authenticated cached read a clone of each claim, and with the token's string ~1.3 µs
/// of its CPU in a perf profile (docs/performance/reads/20261201-auth-stages).
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
