using System.Globalization;

namespace CloudLab.ServiceDefaults.Messaging;

/// <summary>A Redis stream entry id (<c>milliseconds-sequence</c>), ordered as Redis orders them.</summary>
public readonly record struct StreamId(long Milliseconds, long Sequence)
{
    public static readonly StreamId Zero = new(0, 0);

    public static StreamId FromTime(DateTimeOffset time) => new(Math.Max(0, time.ToUnixTimeMilliseconds()), 0);

    /// <summary>
    /// Reads <c>ms-seq</c> or <c>ms</c>. Anything else (Redis reports an empty last-delivered id for a group that has
    /// read nothing) is <see cref="Zero"/>: the earliest id, so nothing is trimmed on its account.
    /// </summary>
    public static StreamId ParseOrZero(string? id)
    {
        if (string.IsNullOrEmpty(id))
        {
            return Zero;
        }

        var dash = id.IndexOf('-', StringComparison.Ordinal);
        var milliseconds = dash < 0 ? id.AsSpan() : id.AsSpan(0, dash);
        var sequence = dash < 0 ? "0".AsSpan() : id.AsSpan(dash + 1);
        return long.TryParse(milliseconds, NumberStyles.None, CultureInfo.InvariantCulture, out var ms)
            && long.TryParse(sequence, NumberStyles.None, CultureInfo.InvariantCulture, out var seq)
                ? new StreamId(ms, seq)
                : Zero;
    }

    public static StreamId Min(StreamId left, StreamId right) => Precedes(left, right) ? left : right;

    private static bool Precedes(StreamId left, StreamId right) =>
        left.Milliseconds != right.Milliseconds
            ? left.Milliseconds < right.Milliseconds
            : left.Sequence <= right.Sequence;

    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{Milliseconds}-{Sequence}");
}
