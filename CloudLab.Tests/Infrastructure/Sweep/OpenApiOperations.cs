using System.Text.Json.Nodes;

namespace CloudLab.Tests.Infrastructure.Sweep;

/// <summary>
/// Reads a service's OpenAPI document into its operations, with a sample valid value for every parameter and body
/// built from the schemas alone, so that a new endpoint is swept without anyone listing it.
/// </summary>
public static class OpenApiOperations
{
    private const int MaxDepth = 12;

    public static async Task<IReadOnlyList<SweepOperation>> ReadAsync(
        HttpClient client, string service, SweepIds ids)
    {
        var document = JsonNode.Parse(await client.GetStringAsync("/openapi/v1.json"))!.AsObject();
        var components = document["components"]?.AsObject() ?? [];
        var operations = new List<SweepOperation>();
        foreach (var (path, item) in document["paths"]!.AsObject())
        {
            foreach (var (method, operation) in item!.AsObject())
            {
                var parameters = (operation!["parameters"]?.AsArray() ?? [])
                    .Select(parameter => new SweepParameter(
                        parameter!["name"]!.GetValue<string>(),
                        parameter["in"]!.GetValue<string>(),
                        Resolve(parameter["schema"]?.AsObject() ?? [], components),
                        parameter["required"]?.GetValue<bool>() ?? false))
                    .ToList();
                var bodySchema = operation["requestBody"]?["content"]?["application/json"]?["schema"]?.AsObject();
                operations.Add(new SweepOperation(
                    service,
                    new HttpMethod(method.ToUpperInvariant()),
                    path,
                    parameters,
                    bodySchema is null ? null : () => Sample(bodySchema, components, null, 0, ids)!,
                    bodySchema is null ? null : path => IsDictionary(bodySchema, components, path)));
            }
        }

        return operations;
    }

    /// <summary>A valid-looking value for a parameter or property: what a well-behaved client would send.</summary>
    public static JsonNode? Sample(JsonObject schema, JsonObject components, string? name, int depth, SweepIds ids)
    {
        schema = Resolve(schema, components);
        if (schema["enum"] is JsonArray choices)
        {
            return choices.First(choice => choice is not null)!.DeepClone();
        }

        var types = Types(schema);
        if (depth > MaxDepth)
        {
            return null;
        }

        if (types.Contains("object") || schema["properties"] is not null)
        {
            var sample = new JsonObject();
            foreach (var (property, propertySchema) in schema["properties"]?.AsObject() ?? [])
            {
                sample[property] = Sample(propertySchema!.AsObject(), components, property, depth + 1, ids);
            }

            if (schema["additionalProperties"] is JsonObject values)
            {
                sample["theme"] = Sample(values, components, "theme", depth + 1, ids);
            }

            return sample;
        }

        if (types.Contains("array"))
        {
            return new JsonArray(Sample(schema["items"]?.AsObject() ?? [], components, name, depth + 1, ids));
        }

        return types switch
        {
            _ when types.Contains("integer") => 1,
            // Large enough that the simulated card declines it: a sweep charges nobody and captures no payment.
            _ when types.Contains("number") => 60_000,
            _ when types.Contains("boolean") => true,
            _ => SampleText(schema["format"]?.GetValue<string>(), name, ids),
        };
    }

    /// <summary>Whether the body's object at <paramref name="path"/> is a map (additionalProperties).</summary>
    public static bool IsDictionary(JsonObject schema, JsonObject components, object[] path)
    {
        JsonObject? current = Resolve(schema, components);
        foreach (var segment in path)
        {
            var next = segment is int
                ? current?["items"]
                : current?["properties"]?[(string)segment] ?? current?["additionalProperties"];
            current = next is JsonObject child ? Resolve(child, components) : null;
        }

        return current?["additionalProperties"] is JsonObject;
    }

    public static JsonObject Resolve(JsonObject schema, JsonObject components)
    {
        for (var hops = 0; hops < MaxDepth; hops++)
        {
            if (schema["$ref"]?.GetValue<string>() is { } reference)
            {
                schema = components["schemas"]![reference.Split('/')[^1]]!.AsObject();
            }
            else if ((schema["oneOf"] ?? schema["anyOf"]) is JsonArray choices)
            {
                schema = choices.Select(choice => choice!.AsObject())
                    .First(choice => !(Types(choice) is ["null"]));
            }
            else
            {
                break;
            }
        }

        return schema;
    }

    public static IReadOnlyList<string> Types(JsonObject schema) => schema["type"] switch
    {
        JsonArray many => many.Select(type => type!.GetValue<string>()).ToList(),
        JsonValue one => [one.GetValue<string>()],
        _ => [],
    };

    private static JsonNode SampleText(string? format, string? name, SweepIds ids) => format switch
    {
        "uuid" => ids.ForField(name),
        "date-time" => DateTime.UtcNow.AddDays(-1).ToString("O"),
        _ => name?.ToLowerInvariant() switch
        {
            { } field when field.Contains("email", StringComparison.Ordinal) =>
                $"sweep-{Guid.NewGuid():N}@example.test",
            { } field when field.Contains("password", StringComparison.Ordinal) => "Sweep-Password-1",
            { } field when field.Contains("currency", StringComparison.Ordinal) => "USD",
            { } field when field.Contains("key", StringComparison.Ordinal) => $"sweep-{Guid.NewGuid():N}",
            _ => "sweep-text-1",
        },
    };
}
