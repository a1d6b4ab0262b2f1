namespace CloudLab.LoadTests.Scenarios;

/// <summary>
/// Where the services are: the AppHost's documented ports on this machine unless given. Traffic goes to loopback only,
/// or to a host named explicitly with --urls.
/// </summary>
public sealed record Targets(Uri User, Uri Product, Uri Order, Uri Payment, Uri Analytics)
{
    public IEnumerable<(string Service, Uri Url)> All =>
        [("user", User), ("product", Product), ("order", Order), ("payment", Payment), ("analytics", Analytics)];

    public static Targets Parse(string? urls)
    {
        var map = new Dictionary<string, Uri>(StringComparer.OrdinalIgnoreCase)
        {
            ["user"] = new("http://localhost:5101"),
            ["product"] = new("http://localhost:5102"),
            ["order"] = new("http://localhost:5103"),
            ["payment"] = new("http://localhost:5104"),
            ["analytics"] = new("http://localhost:5105"),
        };
        var pairs = (urls ?? string.Empty)
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        foreach (var pair in pairs)
        {
            var parts = pair.Split('=', 2);
            if (parts.Length != 2
                || !map.ContainsKey(parts[0])
                || !Uri.TryCreate(parts[1], UriKind.Absolute, out var uri))
            {
                throw new ArgumentException(
                    $"--urls takes service=url pairs (user, product, order, payment, analytics); '{pair}' is not one.");
            }

            map[parts[0]] = uri;
        }

        return new Targets(map["user"], map["product"], map["order"], map["payment"], map["analytics"]);
    }
}
