using System.Globalization;

namespace CloudLab.ServiceDefaults.Messaging;

/// <summary>A Redis stream entry id (<c>milliseconds-sequence</c>), ordered as Redis orders them.</summary>
public readonly record struct StreamId(long Milliseconds, long Sequence)
{
    public static readonly StreamId Zero = new(0, 0);

    public static StreamId FromTime(DateTimeOffset time) => new(Math.Max(0, time.ToUnixTimeMilliseconds()), 0);

    public static StreamId Parse(string id)
    {
        var dash = id.IndexOf('-', StringComparison.Ordinal);
        return dash < 0
            ? new StreamId(long.Parse(id, CultureInfo.InvariantCulture), 0)
            : new StreamId(
                long.Parse(id.AsSpan(0, dash), CultureInfo.InvariantCulture),
                long.Parse(id.AsSpan(dash + 1), CultureInfo.InvariantCulture));
    }

    public static StreamId Min(StreamId left, StreamId right) => Precedes(left, right) ? left : right;

    private static bool Precedes(StreamId left, StreamId right) =>
        left.Milliseconds != right.Milliseconds
            ? left.Milliseconds < right.Milliseconds
            : left.Sequence <= right.Sequence;

    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{Milliseconds}-{Sequence}");
}
