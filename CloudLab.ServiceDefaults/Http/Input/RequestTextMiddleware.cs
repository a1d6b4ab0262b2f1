using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace CloudLab.ServiceDefaults.Http.Input;

/// <summary>
/// Text of a request that no endpoint parameter may see whole: every query-string key and value is checked against
/// <see cref="TextRules"/> (400 naming the key), and a JSON body declared in another encoding than UTF-8 is refused
/// with 415 (RFC 8259 JSON is UTF-8; an unknown charset would otherwise fail deep in the body reader).
/// </summary>
internal sealed class RequestTextMiddleware(RequestDelegate next, IProblemDetailsService problems)
{
    public Task InvokeAsync(HttpContext context)
    {
        var request = context.Request;
        if (request.QueryString.HasValue && QueryErrors(request.Query) is { } errors)
        {
            throw new RequestValidationException(errors);
        }

        if (NonUtf8JsonCharset(request.ContentType) is { } charset)
        {
            context.Response.StatusCode = StatusCodes.Status415UnsupportedMediaType;
            return problems.WriteAsync(new ProblemDetailsContext
            {
                HttpContext = context,
                ProblemDetails =
                {
                    Status = StatusCodes.Status415UnsupportedMediaType,
                    Title = "Unsupported body encoding",
                    Detail = $"JSON bodies must be UTF-8; the request declared charset '{charset}'.",
                },
            }).AsTask();
        }

        return next(context);
    }

    /// <summary>The charset a JSON body declares if it is not UTF-8; null when UTF-8, unsaid or not JSON.</summary>
    private static string? NonUtf8JsonCharset(string? contentType)
    {
        if (contentType is null || !MediaTypeHeaderValue.TryParse(contentType, out var mediaType))
        {
            return null;
        }

        var isJson = mediaType.SubTypeWithoutSuffix.Equals("json", StringComparison.OrdinalIgnoreCase)
            || mediaType.Suffix.Equals("json", StringComparison.OrdinalIgnoreCase);
        var charset = mediaType.Charset.Value?.Trim('"');
        return isJson
            && !string.IsNullOrEmpty(charset)
            && !charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase)
            && !charset.Equals("utf8", StringComparison.OrdinalIgnoreCase)
                ? charset
                : null;
    }

    private static Dictionary<string, string[]>? QueryErrors(IQueryCollection query)
    {
        Dictionary<string, string[]>? errors = null;
        foreach (var (key, values) in query)
        {
            if (TextRules.Problem(key) is { } keyProblem)
            {
                (errors ??= [])["query"] = [$"A query-string key {keyProblem}"];
                continue;
            }

            foreach (var value in values)
            {
                if (TextRules.Problem(value) is { } problem)
                {
                    (errors ??= [])[key] = [$"{key} {problem}"];
                }
            }
        }

        return errors;
    }
}
