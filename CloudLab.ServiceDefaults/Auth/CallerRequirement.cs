using System.Collections.Frozen;
using Microsoft.AspNetCore.Authorization;

namespace CloudLab.ServiceDefaults.Auth;

/// <summary>
/// Met by an admin, or by one of the named services calling on its own behalf. A service token opens only the
/// endpoints meant for that service: a compromised service can misuse what it was given, not another service's
/// endpoints (a stolen analytics key cannot charge or reserve).
/// </summary>
public sealed class CallerRequirement(IEnumerable<string> services)
    : AuthorizationHandler<CallerRequirement>, IAuthorizationRequirement
{
    public FrozenSet<string> Services { get; } = services.ToFrozenSet(StringComparer.Ordinal);

    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, CallerRequirement requirement)
    {
        if (context.User.IsAdmin() || context.User.IsServiceAmong(requirement.Services))
        {
            context.Succeed(requirement);
        }

        return Task.CompletedTask;
    }
}
