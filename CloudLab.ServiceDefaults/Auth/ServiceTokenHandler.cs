using System.Net.Http.Headers;
using Microsoft.Extensions.Hosting;

namespace CloudLab.ServiceDefaults.Auth;

/// <summary>Attaches this service's own token (role <c>service</c>) to calls it makes to other services.</summary>
public sealed class ServiceTokenHandler(TokenFactory tokens, IHostEnvironment environment, TimeProvider time)
    : DelegatingHandler
{
    private static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(10);
    private CachedToken? _current;

    protected override Task<HttpResponseMessage> SendAsync(
        HttpRequestMessage request, CancellationToken cancellationToken)
    {
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", CurrentToken());
        return base.SendAsync(request, cancellationToken);
    }

    private string CurrentToken()
    {
        var current = _current;
        var now = time.GetUtcNow();
        if (current is null || now >= current.RenewAt)
        {
            current = new CachedToken(
                tokens.CreateToken(environment.ApplicationName, Roles.Service, lifetime: Lifetime),
                now + Lifetime / 2);
            _current = current;
        }

        return current.Token;
    }

    private sealed record CachedToken(string Token, DateTimeOffset RenewAt);
}
