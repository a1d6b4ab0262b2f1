using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace CloudLab.ServiceDefaults.Http;

/// <summary>
/// <c>GET /calibration/bare</c>: fixed bytes the size of a product, answered before any of CloudLab's middleware.
/// Load tests drive it next to a real endpoint of the same process, so "the whole stack costs X" is a ratio measured in
/// one run on one machine. Off unless <c>Diagnostics:CalibrationEndpoint=true</c> (the load tests turn it on).
/// </summary>
public static class CalibrationEndpoint
{
    public const string Path = "/calibration/bare";

    private static readonly byte[] Body = Encoding.UTF8.GetBytes(
        """{"id":"00000000-0000-0000-0000-000000000000","name":"Calibration","description":"Fixed bytes the size of a cached product.","categoryId":"00000000-0000-0000-0000-000000000000","price":10.00,"currency":"USD","stock":100,"status":"active","createdAt":"2026-01-01T00:00:00Z","updatedAt":"2026-01-01T00:00:00Z"}""");

    public static WebApplication UseCalibrationEndpoint(this WebApplication app)
    {
        if (!app.Services.GetRequiredService<IConfiguration>().GetValue("Diagnostics:CalibrationEndpoint", false))
        {
            return app;
        }

        app.Use((context, next) =>
        {
            if (!context.Request.Path.Equals(Path, StringComparison.Ordinal))
            {
                return next(context);
            }

            context.Response.ContentType = "application/json; charset=utf-8";
            context.Response.ContentLength = Body.Length;
            return context.Response.Body.WriteAsync(Body).AsTask();
        });
        return app;
    }
}
