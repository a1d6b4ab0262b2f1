using System.Reflection;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Metadata;

namespace CloudLab.ServiceDefaults.Http;

/// <summary>
/// The <c>Idempotency-Key</c> header a client sends so that a retried request has its effect once.
/// Required where it is a parameter: a missing or malformed key is answered 400.
/// </summary>
public readonly record struct IdempotencyKey(string Value) : IEndpointParameterMetadataProvider
{
    public const string HeaderName = "Idempotency-Key";
    public const int MaxLength = 100;

    public static ValueTask<IdempotencyKey> BindAsync(HttpContext context, ParameterInfo parameter)
    {
        var value = context.Request.Headers[HeaderName].ToString().Trim();
        if (value.Length is 0 or > MaxLength || value.Any(character => character < 0x21 || character > 0x7E))
        {
            throw new RequestValidationException(
                HeaderName,
                $"The {HeaderName} header is required: 1 to {MaxLength} printable ASCII characters, "
                    + "unique per operation.");
        }

        return ValueTask.FromResult(new IdempotencyKey(value));
    }

    public static void PopulateMetadata(ParameterInfo parameter, EndpointBuilder builder) =>
        builder.Metadata.Add(new IdempotencyKeyMetadata());

    public override string ToString() => Value;
}

/// <summary>Marks endpoints that take an <c>Idempotency-Key</c> header (used to describe them in OpenAPI).</summary>
public sealed class IdempotencyKeyMetadata;
