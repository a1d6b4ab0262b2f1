using System.Globalization;
using System.Reflection;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Builder;

namespace CloudLab.ServiceDefaults.Http;

/// <summary>
/// The standard's pagination: <c>page</c> (from 1, default 1) and <c>page_size</c> (1–100, default 20).
/// Out-of-range or non-numeric values are answered 400 with the field's error.
/// </summary>
public readonly record struct PageRequest(int Page, int PageSize) : IEndpointParameterMetadataProvider
{
    public const int DefaultPageSize = 20;
    public const int MaxPageSize = 100;

    public int Offset => (Page - 1) * PageSize;

    public static ValueTask<PageRequest> BindAsync(HttpContext context, ParameterInfo parameter) =>
        ValueTask.FromResult(Parse(context.Request.Query["page"], context.Request.Query["page_size"]));

    public static PageRequest Parse(string? page, string? pageSize)
    {
        var errors = new Dictionary<string, string[]>();
        var pageNumber = ParseOrDefault(page, 1, "page", 1, int.MaxValue, errors);
        var size = ParseOrDefault(pageSize, DefaultPageSize, "page_size", 1, MaxPageSize, errors);
        return errors.Count > 0 ? throw new RequestValidationException(errors) : new PageRequest(pageNumber, size);
    }

    public static void PopulateMetadata(ParameterInfo parameter, EndpointBuilder builder) =>
        builder.Metadata.Add(new PagingQueryMetadata());

    private static int ParseOrDefault(
        string? raw, int fallback, string name, int min, int max, Dictionary<string, string[]> errors)
    {
        if (string.IsNullOrEmpty(raw))
        {
            return fallback;
        }

        if (int.TryParse(raw, NumberStyles.None, CultureInfo.InvariantCulture, out var value)
            && value >= min
            && value <= max)
        {
            return value;
        }

        errors[name] = [max == int.MaxValue
            ? $"{name} must be a whole number from {min}."
            : $"{name} must be a whole number from {min} to {max}."];
        return fallback;
    }
}

/// <summary>Marks endpoints that take <c>page</c>/<c>page_size</c> (used to describe them in OpenAPI).</summary>
public sealed class PagingQueryMetadata;
