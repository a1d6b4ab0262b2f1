using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace CloudLab.ServiceDefaults.Http;

/// <summary>
/// <c>GET /calibration/bare</c>: a fixed JSON body, answered before any of CloudLab's middleware. Load tests drive it
/// next to a real endpoint of the same process, so "the whole stack costs X" is a ratio measured in one run on one
/// machine. Off unless <c>Diagnostics:CalibrationEndpoint=true</c>; <c>Diagnostics:CalibrationBodyBytes</c> (default
/// 300) matches the body to the size of the endpoint it is compared with.
/// </summary>
internal static class CalibrationEndpoint
{
    public const string Path = "/calibration/bare";

    public static WebApplication UseCalibrationEndpoint(this WebApplication app)
    {
        var configuration = app.Services.GetRequiredService<IConfiguration>();
        if (!configuration.GetValue("Diagnostics:CalibrationEndpoint", false))
        {
            return app;
        }

        var body = Body(configuration.GetValue("Diagnostics:CalibrationBodyBytes", 300));
        app.Use((context, next) =>
        {
            if (!context.Request.Path.Equals(Path, StringComparison.Ordinal))
            {
                return next(context);
            }

            context.Response.ContentType = "application/json; charset=utf-8";
            context.Response.ContentLength = body.Length;
            return context.Response.Body.WriteAsync(body).AsTask();
        });
        return app;
    }

    /// <summary><c>{"calibration":"xxx…"}</c>, padded to <paramref name="size"/> bytes.</summary>
    internal static byte[] Body(int size)
    {
        const string Prefix = """{"calibration":""";
        const string Suffix = "\"}";
        var padding = Math.Max(0, size - Prefix.Length - Suffix.Length - 1);
        return Encoding.UTF8.GetBytes(string.Concat(Prefix, "\"", new string('x', padding), Suffix));
    }
}
