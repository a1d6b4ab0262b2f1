using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;

namespace CloudLab.ServiceDefaults.Telemetry;

/// <summary>
/// Puts <see cref="RequestTracing"/> first in every service's pipeline, before anything the service adds, as ASP.NET
/// Core's hosting span was.
/// </summary>
internal sealed class RequestTracingStartupFilter(double sampleRatio) : IStartupFilter
{
    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        app.UseMiddleware<RequestTracing>(sampleRatio);
        next(app);
    };
}
