using System.Collections.Concurrent;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Infrastructure;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.Http;

namespace CloudLab.ServiceDefaults.Auth;

/// <summary>
/// Which requests need ASP.NET Core's authorization middleware. Endpoints that ask for no authorization skip it (unless
/// a fallback policy is set). An endpoint whose only rule is the default policy, "an authenticated user"
/// (<c>RequireAuthorization()</c> or <c>[Authorize]</c> with no policy, role or scheme), lets a request with an
/// authenticated user through at once: the middleware would come to the same answer after resolving a policy
/// evaluator, making an authentication result from the request's user, a handler context and the list of handlers, and
/// running each (4.1 µs of an authenticated cached read's 55 µs of CPU in a perf profile,
/// docs/performance/reads/20261201-auth-stages). Everything else goes through the middleware as before: no user
/// (401), a policy or a role (403), a requirement, an anonymous opt-out, a custom policy provider or result handler.
/// </summary>
/// <remarks>
/// The shortcut assumes that no authorization handler fails a request that the default policy's requirement lets
/// through; CloudLab's one handler (<see cref="CallerRequirement"/>) only judges its own requirement.
/// </remarks>
internal sealed class AuthorizationShortcut
{
    /// <summary>
    /// What the middleware sets on every request with an endpoint; endpoint routing refuses to run an endpoint that
    /// asks for authorization without it (a pipeline that forgot <c>UseAuthorization()</c>).
    /// </summary>
    private const string MiddlewareRanKey = "__AuthorizationMiddlewareWithEndpointInvoked";

    private static readonly object MiddlewareRan = new();

    private readonly bool _hasFallbackPolicy;
    private readonly bool _defaultPolicyIsSignedIn;

    /// <summary>Per endpoint, found on its first request; endpoints are the app's routes, a fixed set.</summary>
    private readonly ConcurrentDictionary<Endpoint, Rule> _rules = new();

    public AuthorizationShortcut(
        IAuthorizationPolicyProvider policies,
        IAuthorizationMiddlewareResultHandler results,
        AuthorizationOptions options)
    {
        _hasFallbackPolicy = options.FallbackPolicy is not null;
        // ASP.NET Core's own provider and result handler only: a custom one may decide or answer otherwise.
        _defaultPolicyIsSignedIn = policies.GetType() == typeof(DefaultAuthorizationPolicyProvider)
            && results.GetType() == typeof(AuthorizationMiddlewareResultHandler)
            && options.DefaultPolicy.AuthenticationSchemes.Count == 0
            && options.DefaultPolicy.Requirements is [DenyAnonymousAuthorizationRequirement];
    }

    private enum Rule
    {
        None,
        SignedIn,
        Middleware,
    }

    /// <summary>
    /// False when the request needs no authorization, or is authorized already by the shortcut (then marked as the
    /// middleware marks it); true when the middleware must decide.
    /// </summary>
    public bool NeedsMiddleware(HttpContext context)
    {
        if (context.GetEndpoint() is not { } endpoint)
        {
            return _hasFallbackPolicy;
        }

        switch (_rules.TryGetValue(endpoint, out var rule) ? rule : _rules.GetOrAdd(endpoint, RuleOf(endpoint)))
        {
            case Rule.None:
                return false;
            case Rule.SignedIn when context.User.Identity is { IsAuthenticated: true }:
                context.Items[MiddlewareRanKey] = MiddlewareRan;
                return false;
            default:
                return true;
        }
    }

    private Rule RuleOf(Endpoint endpoint)
    {
        var metadata = endpoint.Metadata;
        var authorizeData = metadata.GetOrderedMetadata<IAuthorizeData>();
        var requirementOrPolicy = metadata.GetMetadata<IAuthorizationRequirementData>() is not null
            || metadata.GetMetadata<AuthorizationPolicy>() is not null;
        if (authorizeData.Count == 0 && !requirementOrPolicy)
        {
            return _hasFallbackPolicy ? Rule.Middleware : Rule.None;
        }

        var onlyTheDefaultPolicy = _defaultPolicyIsSignedIn
            && !requirementOrPolicy
            && metadata.GetMetadata<IAllowAnonymous>() is null
            && authorizeData.All(data => string.IsNullOrEmpty(data.Policy) && string.IsNullOrEmpty(data.Roles)
                && string.IsNullOrEmpty(data.AuthenticationSchemes));
        return onlyTheDefaultPolicy ? Rule.SignedIn : Rule.Middleware;
    }
}
