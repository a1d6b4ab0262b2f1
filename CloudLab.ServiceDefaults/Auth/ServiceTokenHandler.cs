using System.Net.Http.Headers;

namespace CloudLab.ServiceDefaults.Auth;

/// <summary>Attaches this service's own token for <paramref name="audience"/> (the callee) to each call.</summary>
public sealed class ServiceTokenHandler(ServiceTokens tokens, string audience) : DelegatingHandler
{
    protected override Task<HttpResponseMessage> SendAsync(
        HttpRequestMessage request, CancellationToken cancellationToken)
    {
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", tokens.For(audience));
        return base.SendAsync(request, cancellationToken);
    }
}
