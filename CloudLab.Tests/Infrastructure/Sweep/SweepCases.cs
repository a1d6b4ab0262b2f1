using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace CloudLab.Tests.Infrastructure.Sweep;

/// <summary>
/// The requests of a sweep, built from the operations alone: every operation as every caller (real and forged), then
/// every parameter and every body value replaced in turn by hostile values, then whole bodies that are not what the
/// operation reads at all.
/// </summary>
public static class SweepCases
{
    private const string ValueMarker = "\"__sweep_value__\"";
    private const string KeyMarker = "\"__sweep_key__\"";
    private const string JsonType = "application/json";

    public static List<SweepCase> For(
        IReadOnlyList<SweepOperation> operations, IReadOnlyList<SweepCaller> callers, SweepIds ids)
    {
        var signedIn = callers.Where(caller => caller.IsSignedIn).ToList();
        var strongest = signedIn[^1];
        var cases = new List<SweepCase>();
        foreach (var operation in operations)
        {
            cases.AddRange(callers.Select(caller => AsSent(ids, operation, caller)));
            foreach (var parameter in operation.Parameters)
            {
                var senders = parameter.In == "path" ? [strongest] : signedIn;
                cases.AddRange(ParameterCases(ids, operation, parameter, senders));
            }

            cases.AddRange(BodyValueCases(ids, operation, strongest));
            cases.AddRange(WholeBodyCases(ids, operation, strongest));
            cases.Add(Case(ids, operation, "odd headers", strongest, false, new Shape
            {
                Headers =
                [
                    ("If-Match", "\"garbage\", W/, *, ;;"),
                    ("If-None-Match", "\u0001not-an-etag"),
                    ("If-Modified-Since", "the day before yesterday"),
                    ("Accept", "*/*;q=banana, application/json;q=-1"),
                    ("Accept-Encoding", "gzip;q=2, br;q=NaN, \u00e9"),
                    ("Accept-Language", new string('x', 4_000)),
                    ("X-Forwarded-For", "999.999.999.999, ::g"),
                    ("Range", "bytes=-1--2"),
                    ("Content-Language", "%00"),
                ],
            }));
        }

        return cases;
    }

    private static IEnumerable<SweepCase> ParameterCases(
        SweepIds ids,
        SweepOperation operation, SweepParameter parameter, IReadOnlyList<SweepCaller> callers)
    {
        var values = parameter.In == "header" ? HostileValues.Header : HostileValues.Url;
        foreach (var caller in callers)
        {
            foreach (var value in values)
            {
                yield return Case(ids, operation, $"{parameter.In} {parameter.Name} = {value.Name}", caller,
                    value.MustBeRefused, new Shape { Parameter = (parameter, value.Text) });
            }

            if (parameter.In == "query")
            {
                yield return Case(ids, operation, $"query {parameter.Name} twice", caller, false, new Shape
                {
                    Parameter = (parameter, "1"),
                    ExtraQuery = $"{parameter.Name}=2",
                });
            }
        }
    }

    private static IEnumerable<SweepCase> BodyValueCases(
        SweepIds ids, SweepOperation operation, SweepCaller caller)
    {
        if (operation.SampleBody is not { } sample)
        {
            yield break;
        }

        foreach (var path in NodePaths(sample(), []))
        {
            foreach (var value in HostileValues.Json)
            {
                yield return Case(ids, operation, $"body {Describe(path)} = {value.Name}", caller, value.MustBeRefused,
                    new Shape { Body = () => WithValue(sample(), path, value.Bytes), ContentType = JsonType });
            }
        }

        foreach (var path in ObjectPaths(sample(), []))
        {
            foreach (var key in HostileValues.JsonKeys)
            {
                var takesAnyKey = operation.IsDictionaryAt?.Invoke(path) == true;
                yield return Case(ids, operation, $"body {Describe(path)} gets key {key.Name}", caller,
                    key.MustBeRefused && takesAnyKey,
                    new Shape { Body = () => WithKey(sample(), path, key.Bytes), ContentType = JsonType });
            }
        }
    }

    private static IEnumerable<SweepCase> WholeBodyCases(
        SweepIds ids, SweepOperation operation, SweepCaller caller)
    {
        var valid = operation.SampleBody ?? (() => new JsonObject());
        byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);
        var bodies = new List<(string What, Func<byte[]> Body, string? Type)>
        {
            ("no body", () => [], null),
            ("empty JSON body", () => [], JsonType),
            ("not JSON", () => Utf8("not json at all"), JsonType),
            ("invalid UTF-8", () => [0xFF, 0xFE, 0xC3, 0x28], JsonType),
        };
        if (operation.SampleBody is not null)
        {
            bodies.AddRange(
            [
                ("null", () => Utf8("null"), JsonType),
                ("array", () => Utf8("[]"), JsonType),
                ("string", () => Utf8("\"body\""), JsonType),
                ("number", () => Utf8("-1e400"), JsonType),
                ("empty object", () => Utf8("{}"), JsonType),
                ("truncated", () => Utf8(valid().ToJsonString()[..^1]), JsonType),
                ("trailing garbage", () => Utf8(valid().ToJsonString() + "}}"), JsonType),
                ("comments and trailing comma", () => Utf8("/* hi */ {\"a\": 1,}"), JsonType),
                ("duplicate keys", () => Utf8(DuplicateKeys(valid())), JsonType),
                ("10,000 levels deep", () => Utf8(new string('[', 10_000) + new string(']', 10_000)), JsonType),
                ("UTF-16", () => [.. Encoding.Unicode.GetPreamble(), .. Encoding.Unicode.GetBytes(
                    valid().ToJsonString())], JsonType),
                ("UTF-8 BOM", () => [.. Encoding.UTF8.GetPreamble(), .. Utf8(valid().ToJsonString())], JsonType),
                ("charset utf-16 claimed", () => Utf8(valid().ToJsonString()), "application/json; charset=utf-16"),
                ("unknown charset", () => Utf8(valid().ToJsonString()), "application/json; charset=klingon"),
                ("text/plain", () => Utf8(valid().ToJsonString()), "text/plain"),
                ("XML", () => Utf8("<order><items/></order>"), "application/xml"),
                ("form", () => Utf8("name=%00&items=1"), "application/x-www-form-urlencoded"),
                ("multipart without boundary", () => Utf8("--x\r\n\r\n"), "multipart/form-data"),
                ("no content type", () => Utf8(valid().ToJsonString()), null),
                ("2 MB string value", () => Utf8($"{{\"name\": \"{new string('x', 2_000_000)}\"}}"), JsonType),
                ("1 MB of spaces", () => Utf8(new string(' ', 1_000_000) + "{}"), JsonType),
            ]);
        }

        return bodies.Select(body => Case(
            ids,
            operation,
            $"whole body: {body.What}",
            caller,
            false,
            new Shape { Body = body.Body, ContentType = body.Type }));
    }

    /// <summary>The operation as a well-behaved client sends it (how the sweep creates what it points at).</summary>
    public static SweepCase AsSent(SweepIds ids, SweepOperation operation, SweepCaller caller) =>
        Case(ids, operation, "as sent by a client", caller, false, new Shape());

    private static SweepCase Case(
        SweepIds ids, SweepOperation operation, string what, SweepCaller caller, bool mustBeRefused, Shape shape) =>
        new(operation, what, caller, mustBeRefused, () => Build(ids, operation, caller, shape));

    private static HttpRequestMessage Build(SweepIds ids, SweepOperation operation, SweepCaller caller, Shape shape)
    {
        var path = operation.PathTemplate;
        var query = new List<string>();
        var request = new HttpRequestMessage(operation.Method, "/");
        foreach (var parameter in operation.Parameters)
        {
            var targeted = shape.Parameter?.Parameter == parameter;
            var value = targeted ? shape.Parameter!.Value.Value : SampleValue(ids, operation, parameter);
            switch (parameter.In)
            {
                case "path":
                    path = path.Replace("{" + parameter.Name + "}", value, StringComparison.Ordinal);
                    break;
                case "query" when value is not null:
                    query.Add($"{Uri.EscapeDataString(parameter.Name)}={value}");
                    break;
                case "header" when value is not null:
                    request.Headers.TryAddWithoutValidation(parameter.Name, value);
                    break;
            }
        }

        if (shape.ExtraQuery is not null)
        {
            query.Add(shape.ExtraQuery);
        }

        request.RequestUri = new Uri(query.Count == 0 ? path : $"{path}?{string.Join('&', query)}", UriKind.Relative);
        if (caller.Authorization is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", caller.Authorization);
        }

        foreach (var (name, value) in shape.Headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        var body = shape.Body?.Invoke() ?? SampleBody(operation);
        if (body is not null)
        {
            request.Content = new ByteArrayContent(body);
            var type = shape.Body is null ? JsonType : shape.ContentType;
            if (type is not null)
            {
                request.Content.Headers.TryAddWithoutValidation("Content-Type", type);
            }
        }

        return request;
    }

    /// <summary>A valid value for a parameter the case does not target: required ones and ids (filters).</summary>
    private static string? SampleValue(SweepIds ids, SweepOperation operation, SweepParameter parameter)
    {
        var isId = parameter.Schema["format"]?.GetValue<string>() == "uuid";
        if (parameter.In == "path" && isId)
        {
            return ids.ForPath(operation.PathTemplate);
        }

        if (!parameter.Required && !isId)
        {
            return null;
        }

        var sample = OpenApiOperations.Sample(parameter.Schema, [], parameter.Name, 0, ids);
        var text = sample is JsonValue value && value.TryGetValue<string>(out var s) ? s : sample?.ToJsonString();
        return parameter.In == "header" ? text : Uri.EscapeDataString(text ?? string.Empty);
    }

    private static byte[]? SampleBody(SweepOperation operation) =>
        operation.SampleBody is { } sample ? Encoding.UTF8.GetBytes(sample().ToJsonString()) : null;

    /// <summary>Every value of a body: each property, and the first element of each array, recursively.</summary>
    private static IEnumerable<object[]> NodePaths(JsonNode? node, object[] prefix)
    {
        IEnumerable<(object Segment, JsonNode? Child)> children = node switch
        {
            JsonObject obj => obj.Select(property => ((object)property.Key, property.Value)).ToList(),
            JsonArray { Count: > 0 } array => [(0, array[0])],
            _ => [],
        };
        foreach (var (segment, child) in children)
        {
            object[] path = [.. prefix, segment];
            yield return path;
            foreach (var deeper in NodePaths(child, path))
            {
                yield return deeper;
            }
        }
    }

    private static IEnumerable<object[]> ObjectPaths(JsonNode? node, object[] prefix) =>
        node is JsonObject
            ? NodePaths(node, prefix).Where(path => Find(node, path) is JsonObject).Prepend(prefix)
            : [];

    private static JsonNode? Find(JsonNode? root, object[] path) =>
        path.Aggregate(root, (node, segment) => segment is int index ? node?[index] : node?[(string)segment]);

    private static byte[] WithValue(JsonNode root, object[] path, byte[] value)
    {
        var parent = Find(root, path[..^1])!;
        if (path[^1] is int index)
        {
            parent[index] = ValueMarker.Trim('"');
        }
        else
        {
            parent[(string)path[^1]] = ValueMarker.Trim('"');
        }

        return Splice(root.ToJsonString(), ValueMarker, value);
    }

    private static byte[] WithKey(JsonNode root, object[] path, byte[] key)
    {
        Find(root, path)!.AsObject()[KeyMarker.Trim('"')] = "sweep-text-1";
        return Splice(root.ToJsonString(), KeyMarker, key);
    }

    private static byte[] Splice(string json, string marker, byte[] fragment)
    {
        var at = json.IndexOf(marker, StringComparison.Ordinal);
        return
        [
            .. Encoding.UTF8.GetBytes(json[..at]),
            .. fragment,
            .. Encoding.UTF8.GetBytes(json[(at + marker.Length)..]),
        ];
    }

    private static string DuplicateKeys(JsonNode body) =>
        body is JsonObject { Count: > 0 } obj
            ? obj.ToJsonString().TrimEnd('}') + $",\"{obj.First().Key}\": \"\\u0000\"}}"
            : "{\"a\": 1, \"a\": 2}";

    private static string Describe(object[] path) =>
        "$" + string.Concat(path.Select(segment => segment is int index ? $"[{index}]" : $".{segment}"));

    private sealed record Shape
    {
        public (SweepParameter Parameter, string Value)? Parameter { get; init; }

        public string? ExtraQuery { get; init; }

        public IReadOnlyList<(string Name, string Value)> Headers { get; init; } = [];

        public Func<byte[]>? Body { get; init; }

        public string? ContentType { get; init; }
    }
}
