using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using CloudLab.ServiceDefaults.Http;

namespace CloudLab.Tests.Unit;

/// <summary>
/// The client's address comes from X-Forwarded-For only when a configured proxy sent it. A real Kestrel on loopback,
/// with the spine's registration and middleware, so the test sees what a service does.
/// </summary>
public sealed class ForwardedHeadersTests
{
    private const string Client = "203.0.113.7";

    [Fact]
    public async Task With_no_proxy_configured_a_forged_header_is_ignored()
    {
        Assert.Equal("127.0.0.1", await SeenAddressAsync([], forwardedFor: "198.51.100.1"));
    }

    [Fact]
    public async Task A_configured_proxy_passes_on_the_client_address()
    {
        Assert.Equal(Client, await SeenAddressAsync(["ForwardedHeaders:KnownProxies:0=127.0.0.1"], Client));
        Assert.Equal(Client, await SeenAddressAsync(["ForwardedHeaders:KnownNetworks:0=127.0.0.0/8"], Client));
    }

    [Fact]
    public async Task A_caller_that_is_not_a_configured_proxy_cannot_choose_its_address()
    {
        Assert.Equal("127.0.0.1", await SeenAddressAsync(["ForwardedHeaders:KnownProxies:0=10.1.2.3"], Client));
    }

    [Fact]
    public async Task Only_the_hop_the_proxy_saw_counts_not_what_the_client_prepended()
    {
        var seen = await SeenAddressAsync(["ForwardedHeaders:KnownProxies:0=127.0.0.1"], $"198.51.100.1, {Client}");
        Assert.Equal(Client, seen);
    }

    private static async Task<string> SeenAddressAsync(string[] settings, string forwardedFor)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Configuration.AddInMemoryCollection(settings.Select(setting =>
            new KeyValuePair<string, string?>(setting.Split('=')[0], setting.Split('=')[1])));
        builder.Services.AddForwardedHeadersFromProxies(builder.Configuration);
        await using var app = builder.Build();
        app.UseForwardedHeadersFromProxies();
        app.MapGet("/", (HttpContext context) => context.Connection.RemoteIpAddress!.MapToIPv4().ToString());
        await app.StartAsync();
        try
        {
            using var client = new HttpClient { BaseAddress = new Uri(app.Urls.First()) };
            using var request = new HttpRequestMessage(HttpMethod.Get, "/");
            request.Headers.Add("X-Forwarded-For", forwardedFor);
            using var response = await client.SendAsync(request);
            response.EnsureSuccessStatusCode();
            return await response.Content.ReadAsStringAsync();
        }
        finally
        {
            await app.StopAsync();
        }
    }
}
