using CloudLab.ServiceDefaults.Caching;
using Microsoft.Extensions.Hosting;

namespace CloudLab.Tests.Infrastructure;

/// <summary>
/// A host with the services' cache as <c>AddServiceCache</c> builds it, whose Redis never answers: only the memory
/// level and the loaders do, so a unit test sees what the memory level holds.
/// </summary>
public static class OfflineCache
{
    public static IHost CreateHost(params (string Key, string Value)[] settings)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration["ConnectionStrings:redis"] = "127.0.0.1:1,abortConnect=false,connectTimeout=200";
        foreach (var (key, value) in settings)
        {
            builder.Configuration[key] = value;
        }

        builder.AddServiceCache();
        return builder.Build();
    }
}
