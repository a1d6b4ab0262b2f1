using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.DependencyInjection;

namespace Microsoft.Extensions.Hosting;

public static class JsonModelsExtensions
{
    /// <summary>
    /// Serializes the service's request and response types with its source-generated JSON context first (no
    /// reflection on the hot path; reflection stays as the fallback for framework types).
    /// </summary>
    /// <remarks>
    /// DataAnnotations validation is not registered here on purpose: <c>AddValidation()</c> is intercepted by a
    /// source generator that only sees the types of the project that calls it, so each service calls it itself.
    /// </remarks>
    public static IHostApplicationBuilder AddJsonModels(
        this IHostApplicationBuilder builder, IJsonTypeInfoResolver jsonContext)
    {
        builder.Services.ConfigureHttpJsonOptions(options =>
            options.SerializerOptions.TypeInfoResolverChain.Insert(0, jsonContext));
        return builder;
    }
}
