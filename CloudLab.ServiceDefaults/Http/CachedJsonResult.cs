using System.Reflection;
using CloudLab.ServiceDefaults.Caching;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Metadata;

namespace CloudLab.ServiceDefaults.Http;

/// <summary>
/// Answers with a <see cref="CachedJson"/>: its ETag and the given Cache-Control, then 304 when If-None-Match already
/// names that tag, else 200 with the stored bytes and their length. <typeparamref name="TValue"/> is the type the
/// bytes hold, for the OpenAPI document only.
/// </summary>
public sealed class CachedJsonResult<TValue>(CachedJson entry, string cacheControl)
    : IResult, IStatusCodeHttpResult, IEndpointMetadataProvider
{
    private const string JsonContentType = "application/json; charset=utf-8";

    public CachedJson Entry { get; } = entry;

    int? IStatusCodeHttpResult.StatusCode => StatusCodes.Status200OK;

    public Task ExecuteAsync(HttpContext httpContext)
    {
        var response = httpContext.Response;
        response.Headers.ETag = Entry.ETag;
        response.Headers.CacheControl = cacheControl;
        if (EntityTags.NoneMatchHits(httpContext.Request, Entry.ETag))
        {
            response.StatusCode = StatusCodes.Status304NotModified;
            return Task.CompletedTask;
        }

        var body = Entry.Utf8Json;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = JsonContentType;
        response.ContentLength = body.Length;
        return response.Body.WriteAsync(body).AsTask();
    }

    static void IEndpointMetadataProvider.PopulateMetadata(MethodInfo method, EndpointBuilder builder)
    {
        builder.Metadata.Add(new ProducesResponseTypeMetadata(
            StatusCodes.Status200OK, typeof(TValue), ["application/json"]));
    }
}
