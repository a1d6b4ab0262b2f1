using System.IO.Compression;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.ResponseCompression;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace CloudLab.ServiceDefaults.Http;

public sealed class CompressionOptions
{
    /// <summary>
    /// Bodies below this size are sent as they are: compressing them costs more CPU than it saves bytes.
    /// </summary>
    public int MinimumBytes { get; set; } = 1024;
}

/// <summary>gzip and brotli for JSON, negotiated by Accept-Encoding, skipped for small bodies.</summary>
internal static class CompressionExtensions
{
    public static IServiceCollection AddApiCompression(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<CompressionOptions>().Bind(configuration.GetSection("Compression"));
        services.AddResponseCompression(options =>
        {
            options.EnableForHttps = true;
            options.Providers.Add<BrotliCompressionProvider>();
            options.Providers.Add<GzipCompressionProvider>();
            options.MimeTypes = ["application/json", "application/problem+json", "text/plain", "text/html"];
        });
        services.Configure<BrotliCompressionProviderOptions>(options => options.Level = CompressionLevel.Fastest);
        services.Configure<GzipCompressionProviderOptions>(options => options.Level = CompressionLevel.Fastest);
        services.AddSingleton<IResponseCompressionProvider, MinimumSizeCompressionProvider>();
        return services;
    }

    public static IApplicationBuilder UseApiCompression(this IApplicationBuilder app)
    {
        var minimumBytes =
            app.ApplicationServices.GetRequiredService<IOptions<CompressionOptions>>().Value.MinimumBytes;
        app.UseResponseCompression();
        return app.Use(async (context, next) =>
        {
            // Without Accept-Encoding nothing will be compressed: no need to hold the body back.
            if (context.Request.Headers.AcceptEncoding.Count == 0)
            {
                await next(context);
                return;
            }

            var original = context.Features.GetRequiredFeature<IHttpResponseBodyFeature>();
            var holdBack = new SmallResponseBodyFeature(original, context.Response, minimumBytes);
            context.Features.Set<IHttpResponseBodyFeature>(holdBack);
            try
            {
                await next(context);
                await holdBack.FinishAsync();
            }
            finally
            {
                context.Features.Set(original);
            }
        });
    }

    private sealed class MinimumSizeCompressionProvider(
        IServiceProvider services,
        IOptions<ResponseCompressionOptions> options,
        IOptions<CompressionOptions> sizeOptions)
        : ResponseCompressionProvider(services, options)
    {
        private readonly int _minimumBytes = sizeOptions.Value.MinimumBytes;

        public override bool ShouldCompressResponse(HttpContext context) =>
            context.Response.ContentLength is not { } length || length >= _minimumBytes
                ? base.ShouldCompressResponse(context)
                : false;
    }
}
