using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace CloudLab.ServiceDefaults.Http;

/// <summary>
/// Entity tags made from a version number, and the conditional headers that carry them (RFC 9110 §13): If-None-Match
/// for reads that can answer 304, If-Match for updates that must not overwrite a newer version.
/// </summary>
public static class EntityTags
{
    public static string Strong(long version) => string.Create(CultureInfo.InvariantCulture, $"\"{version}\"");

    /// <summary>True when If-None-Match names <paramref name="etag"/> (weakly compared) or is *.</summary>
    public static bool NoneMatchHits(HttpRequest request, string etag)
    {
        var header = request.Headers.IfNoneMatch;
        if (header.Count == 0)
        {
            return false;
        }

        return EntityTagHeaderValue.TryParseList(header, out var tags)
            && tags.Any(tag => tag.Equals(EntityTagHeaderValue.Any)
                || tag.Compare(new EntityTagHeaderValue(etag), useStrongComparison: false));
    }

    /// <summary>
    /// The version an update's If-Match names: <see cref="IfMatchVersion.Absent"/>, <see cref="IfMatchVersion.Any"/>
    /// (<c>*</c>), one strong version tag, or <see cref="IfMatchVersion.Malformed"/> for anything else (a weak tag
    /// cannot guard an update, RFC 9110 §13.1.1).
    /// </summary>
    public static IfMatchVersion ParseIfMatch(HttpRequest request)
    {
        var header = request.Headers.IfMatch;
        if (header.Count == 0)
        {
            return IfMatchVersion.Absent;
        }

        if (!EntityTagHeaderValue.TryParseStrictList(header, out var tags) || tags.Count != 1)
        {
            return IfMatchVersion.Malformed;
        }

        var tag = tags[0];
        if (tag.Equals(EntityTagHeaderValue.Any))
        {
            return IfMatchVersion.Any;
        }

        return !tag.IsWeak
            && long.TryParse(tag.Tag.AsSpan()[1..^1], NumberStyles.None, CultureInfo.InvariantCulture, out var version)
                ? new IfMatchVersion(IfMatchKind.Version, version)
                : IfMatchVersion.Malformed;
    }
}

public enum IfMatchKind
{
    Absent,
    Any,
    Version,
    Malformed,
}

public readonly record struct IfMatchVersion(IfMatchKind Kind, long Version)
{
    public static readonly IfMatchVersion Absent = new(IfMatchKind.Absent, 0);
    public static readonly IfMatchVersion Any = new(IfMatchKind.Any, 0);
    public static readonly IfMatchVersion Malformed = new(IfMatchKind.Malformed, 0);
}
