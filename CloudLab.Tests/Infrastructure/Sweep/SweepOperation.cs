using System.Text.Json.Nodes;

namespace CloudLab.Tests.Infrastructure.Sweep;

/// <summary>One parameter of an operation (<c>in</c> is path, query or header), as its OpenAPI document says.</summary>
public sealed record SweepParameter(string Name, string In, JsonObject Schema, bool Required);

/// <summary>
/// One operation of a service (path and method) with a way to make a fresh valid body for it, so that a sweep changes
/// one value at a time and everything else is as a real client would send it. <see cref="IsDictionaryAt"/> says which
/// objects of the body take keys of the client's choosing (elsewhere an unknown key is ignored, as JSON allows).
/// </summary>
public sealed record SweepOperation(
    string Service,
    HttpMethod Method,
    string PathTemplate,
    IReadOnlyList<SweepParameter> Parameters,
    Func<JsonNode>? SampleBody,
    Func<object[], bool>? IsDictionaryAt = null)
{
    public override string ToString() => $"{Service} {Method} {PathTemplate}";
}
