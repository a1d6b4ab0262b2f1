using CloudLab.ServiceDefaults.Auth;
using CloudLab.ServiceDefaults.Http;
using CloudLab.ServiceDefaults.Http.Input;
using CloudLab.ServiceDefaults.Http.RateLimiting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Hosting;

namespace CloudLab.Benchmarks;

/// <summary>A middleware stage of the services' shared pipeline (ApiProtectionsExtensions.UseApiProtections).</summary>
public enum PipelineStage
{
    None,
    RequestMetrics,
    ErrorPages,
    Authentication,
    RateLimiter,
    RequestTimeouts,
    Compression,
    Authorization,
    RequestText,
    All,
}

/// <summary>
/// The services' middleware, stage by stage, in the order <c>UseServiceDefaults</c> adds it, so a benchmark can leave
/// one out. Keep it in step with ApiProtectionsExtensions.UseApiProtections: the benchmark's <c>none</c> row measures
/// this copy, <see cref="CachedGetPipelineBenchmarks"/> the real one, and the two should agree.
/// </summary>
internal static class PipelineStages
{
    public static void Use(WebApplication app, PipelineStage without)
    {
        bool On(PipelineStage stage) => without != stage && without != PipelineStage.All;

        app.UseForwardedHeadersFromProxies();
        app.UseCalibrationEndpoint();
        if (On(PipelineStage.RequestMetrics))
        {
            app.UseMiddleware<RequestMetricsMiddleware>();
        }

        if (On(PipelineStage.ErrorPages))
        {
            app.UseExceptionHandler();
            app.UseMiddleware<StatusCodeProblemsMiddleware>();
        }

        if (On(PipelineStage.Authentication))
        {
            app.UseWhen(
                context => context.Request.Headers.Authorization.Count > 0,
                branch => branch.UseMiddleware<CachedBearerAuthentication>());
        }

        // Set either way, or WebApplication would add the stage itself.
        ((IApplicationBuilder)app).Properties["__AuthenticationMiddlewareSet"] = true;
        ((IApplicationBuilder)app).Properties["__AuthorizationMiddlewareSet"] = true;
        if (On(PipelineStage.RateLimiter))
        {
            app.UseApiRateLimiting();
        }

        if (On(PipelineStage.RequestTimeouts))
        {
            app.UseMiddleware<RequestBudgetMiddleware>();
        }

        if (On(PipelineStage.Compression))
        {
            app.UseApiCompression();
        }

        if (On(PipelineStage.Authorization))
        {
            app.UseAuthorizationWhereAsked();
        }

        if (On(PipelineStage.RequestText))
        {
            app.UseMiddleware<RequestTextMiddleware>();
        }
    }
}
