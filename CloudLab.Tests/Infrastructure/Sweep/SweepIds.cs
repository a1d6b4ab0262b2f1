using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace CloudLab.Tests.Infrastructure.Sweep;

/// <summary>
/// Ids of what the sweep created itself (POST /api/categories → its category), so that a request's other values point
/// at real rows: a hostile name then meets the INSERT or UPDATE it would in use, not an early "no such category".
/// Only the sweep's own rows are used, so no other test's data is changed. Unknown ids are fresh GUIDs.
/// </summary>
public sealed class SweepIds
{
    private readonly ConcurrentDictionary<string, ConcurrentBag<string>> _byCollection = new();

    /// <summary>Remembers the id in a 2xx answer to a POST on <paramref name="collection"/>.</summary>
    public void Learn(string collection, string body)
    {
        try
        {
            if (JsonNode.Parse(body) is JsonObject created
                && created["id"] is JsonValue id
                && id.TryGetValue<string>(out var text)
                && Guid.TryParse(text, out _))
            {
                _byCollection.GetOrAdd(collection, _ => []).Add(text);
            }
        }
        catch (JsonException)
        {
            // Not a created resource (or a body cut short): nothing to learn.
        }
    }

    /// <summary>An id for a field: <c>categoryId</c> is one of the sweep's own categories, if it made one.</summary>
    public string ForField(string? name)
    {
        if (name is not { Length: > 2 } || !name.EndsWith("Id", StringComparison.OrdinalIgnoreCase))
        {
            return Guid.NewGuid().ToString();
        }

        var stem = name[..^2].ToLowerInvariant().TrimEnd('_').TrimEnd('y'); // category_id → categor(ies)
        return Pick(_byCollection.Where(entry => LastSegment(entry.Key).StartsWith(stem, StringComparison.Ordinal)));
    }

    /// <summary>An id for <c>{id}</c> in a path: one of the collection's (or a same-named collection's) own.</summary>
    public string ForPath(string template)
    {
        var collection = template[..Math.Max(0, template.IndexOf("/{", StringComparison.Ordinal))];
        return _byCollection.ContainsKey(collection)
            ? Pick(_byCollection.Where(entry => entry.Key == collection))
            : Pick(_byCollection.Where(entry => LastSegment(entry.Key) == LastSegment(collection)));
    }

    private static string Pick(IEnumerable<KeyValuePair<string, ConcurrentBag<string>>> collections)
    {
        var ids = collections.SelectMany(entry => entry.Value).ToList();
        return ids.Count == 0 ? Guid.NewGuid().ToString() : ids[Random.Shared.Next(ids.Count)];
    }

    private static string LastSegment(string path) => path[(path.LastIndexOf('/') + 1)..];
}
