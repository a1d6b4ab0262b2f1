using System.Globalization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace CloudLab.ServiceDefaults.Http;

/// <summary>
/// Describes in the OpenAPI document the parameters that ServiceDefaults binds itself and the API explorer cannot see:
/// <c>page</c>/<c>page_size</c> (<see cref="PageRequest"/>) and the <c>Idempotency-Key</c> header
/// (<see cref="IdempotencyKey"/>). Clients, and sweeps built from the document, then know to send them.
/// </summary>
internal static class SharedParametersTransformer
{
    public static Task TransformAsync(
        OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var metadata = context.Description.ActionDescriptor.EndpointMetadata;
        if (metadata.OfType<PagingQueryMetadata>().Any())
        {
            operation.Parameters ??= [];
            operation.Parameters.Add(Query("page", "The page, from 1 (default 1).", 1, int.MaxValue));
            operation.Parameters.Add(Query(
                "page_size",
                $"Items per page, 1 to {PageRequest.MaxPageSize} (default {PageRequest.DefaultPageSize}).",
                1,
                PageRequest.MaxPageSize));
        }

        if (metadata.OfType<IdempotencyKeyMetadata>().Any())
        {
            operation.Parameters ??= [];
            operation.Parameters.Add(new OpenApiParameter
            {
                Name = IdempotencyKey.HeaderName,
                In = ParameterLocation.Header,
                Required = true,
                Description = $"1 to {IdempotencyKey.MaxLength} printable ASCII characters, unique per operation: "
                    + "the same key again answers with the first outcome.",
                Schema = new OpenApiSchema { Type = JsonSchemaType.String, MaxLength = IdempotencyKey.MaxLength },
            });
        }

        return Task.CompletedTask;
    }

    private static OpenApiParameter Query(string name, string description, int minimum, int maximum) => new()
    {
        Name = name,
        In = ParameterLocation.Query,
        Description = description,
        Schema = new OpenApiSchema
        {
            Type = JsonSchemaType.Integer,
            Format = "int32",
            Minimum = minimum.ToString(CultureInfo.InvariantCulture),
            Maximum = maximum.ToString(CultureInfo.InvariantCulture),
        },
    };
}
