using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace CloudLab.ServiceDefaults.Http;

/// <summary>
/// <c>X-Forwarded-For</c>/<c>-Proto</c> are honoured only from the proxies named in configuration
/// (<c>ForwardedHeaders:KnownProxies</c>, addresses, and <c>ForwardedHeaders:KnownNetworks</c>, CIDR ranges).
/// ASP.NET Core trusts loopback by default; that is dropped too, because the limiter keys anonymous callers by address
/// and any local process could otherwise pick a fresh address per request. With nothing configured the headers are
/// ignored and the connection's address is the client's.
/// </summary>
internal static class ForwardedHeadersFromProxies
{
    public const string Section = "ForwardedHeaders";

    public static IServiceCollection AddForwardedHeadersFromProxies(
        this IServiceCollection services, IConfiguration configuration)
    {
        var proxies = configuration.GetSection($"{Section}:KnownProxies").Get<string[]>() ?? [];
        var networks = configuration.GetSection($"{Section}:KnownNetworks").Get<string[]>() ?? [];
        services.Configure<ForwardedHeadersOptions>(options => Configure(options, proxies, networks));
        return services;
    }

    /// <summary>Trusts exactly <paramref name="proxies"/> and <paramref name="networks"/>, nothing else.</summary>
    public static void Configure(ForwardedHeadersOptions options, string[] proxies, string[] networks)
    {
        options.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
        options.KnownProxies.Clear();
        options.KnownIPNetworks.Clear();
        foreach (var proxy in proxies)
        {
            options.KnownProxies.Add(IPAddress.Parse(proxy));
        }

        foreach (var network in networks)
        {
            options.KnownIPNetworks.Add(System.Net.IPNetwork.Parse(network));
        }

        // One hop: the configured proxy's own view of the client, never what the client wrote before it.
        options.ForwardLimit = 1;
    }

    /// <summary>Only when a proxy is configured; otherwise the middleware would do nothing but cost a lookup.</summary>
    public static WebApplication UseForwardedHeadersFromProxies(this WebApplication app)
    {
        var forwarded = app.Configuration.GetSection(Section);
        if (forwarded.GetSection("KnownProxies").Exists() || forwarded.GetSection("KnownNetworks").Exists())
        {
            app.UseForwardedHeaders();
        }

        return app;
    }
}
