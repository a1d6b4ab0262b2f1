using System.Reflection;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.Extensions.DependencyInjection;

namespace CloudLab.ServiceDefaults.Http.Input;

/// <summary>
/// Checks every text a handler is given against <see cref="TextRules"/> before the handler runs: string parameters
/// (query, route, header) and every string inside a bound body, however deep. A refused text is answered 400 with the
/// field named, so a NUL or a lone surrogate never reaches PostgreSQL (which would fail the request with a 500).
/// Endpoints whose parameters hold no text get no filter at all.
/// </summary>
public static class TextInputFilter
{
    public static EndpointFilterDelegate Create(EndpointFilterFactoryContext context, EndpointFilterDelegate next)
    {
        var services = context.ApplicationServices.GetService<IServiceProviderIsService>();
        var checks = context.MethodInfo.GetParameters()
            .Select((parameter, index) => Check(parameter, index, services))
            .OfType<ArgumentCheck>()
            .ToArray();
        if (checks.Length == 0)
        {
            return next;
        }

        return invocation =>
        {
            Dictionary<string, string[]>? errors = null;
            foreach (var check in checks)
            {
                check.Shape.Inspect(invocation.Arguments[check.Index], check.Path, check.MultiLine, ref errors);
            }

            return errors is null
                ? next(invocation)
                : ValueTask.FromResult<object?>(TypedResults.ValidationProblem(errors));
        };
    }

    private static ArgumentCheck? Check(ParameterInfo parameter, int index, IServiceProviderIsService? services)
    {
        if (parameter.IsDefined(typeof(IFromServiceMetadata), inherit: true)
            || services?.IsService(parameter.ParameterType) == true
            || TextShape.For(parameter.ParameterType) is not { } shape)
        {
            return null;
        }

        // A string parameter is named as the client spells it (the query key, the header); a body's fields are named
        // from the body's root, as DataAnnotations validation names them.
        var isText = (Nullable.GetUnderlyingType(parameter.ParameterType) ?? parameter.ParameterType) == typeof(string);
        var path = isText ? BoundName(parameter) : string.Empty;
        return new ArgumentCheck(index, path, shape, parameter.IsDefined(typeof(MultiLineAttribute)));
    }

    private static string BoundName(ParameterInfo parameter) =>
        parameter.GetCustomAttributes(inherit: true)
            .Select(attribute => attribute switch
            {
                IFromQueryMetadata query => query.Name,
                IFromRouteMetadata route => route.Name,
                IFromHeaderMetadata header => header.Name,
                IFromFormMetadata form => form.Name,
                _ => null,
            })
            .FirstOrDefault(name => !string.IsNullOrEmpty(name))
        ?? parameter.Name
        ?? "value";

    private sealed record ArgumentCheck(int Index, string Path, TextShape Shape, bool MultiLine);
}
