using System.Text;

namespace CloudLab.Tests.Infrastructure.Sweep;

/// <summary>
/// A hostile value. <paramref name="MustBeRefused"/>: no endpoint may accept it (2xx) from a caller it otherwise
/// serves, because it is text no field of CloudLab's takes (NUL, control characters, broken UTF-16/UTF-8, 100k chars).
/// </summary>
public sealed record HostileValue(string Name, byte[] Bytes, bool MustBeRefused)
{
    public string Text => Encoding.UTF8.GetString(Bytes);
}

/// <summary>The values a sweep puts where a JSON value, a URL segment or a query value is expected.</summary>
public static class HostileValues
{
    /// <summary>JSON fragments (escapes kept as text, so lone surrogates and NUL reach the server as sent).</summary>
    public static IReadOnlyList<HostileValue> Json { get; } =
    [
        Refused("nul", "\"\\u0000\""),
        Refused("nul inside", "\"ab\\u0000cd\""),
        Refused("C0 controls", "\"a\\u0001\\u001fb\""),
        Refused("escape and bell", "\"\\u001b[31m\\u0007\""),
        Refused("delete", "\"a\\u007f\""),
        Refused("C1 control", "\"a\\u0085b\""),
        Refused("lone high surrogate", "\"a\\ud800b\""),
        Refused("lone low surrogate", "\"\\udc00\""),
        Refused("reversed surrogates", "\"\\udc00\\ud800\""),
        new("invalid UTF-8", [(byte)'"', 0xC3, 0x28, (byte)'"'], true),
        new("overlong UTF-8 NUL", [(byte)'"', 0xC0, 0x80, (byte)'"'], true),
        new("UTF-8 surrogate (CESU)", [(byte)'"', 0xED, 0xA0, 0x80, (byte)'"'], true),
        Refused("100k characters", $"\"{new string('x', 100_000)}\""),
        Tolerated("CR LF", "\"a\\r\\nb\""),
        Tolerated("tab", "\"a\\tb\""),
        Tolerated("empty", "\"\""),
        Tolerated("blank", "\"   \""),
        Tolerated("SQL injection", "\"'; DROP TABLE users; --\""),
        Tolerated("SQL tautology", "\"' OR '1'='1\""),
        Tolerated("JSON injection", "\"\\\"}, {\\\"role\\\": \\\"admin\\\"\""),
        Tolerated("format string", "\"%s%n%x%d\""),
        Tolerated("LIKE wildcards", "\"%_\\\\%\""),
        Tolerated("bidi, BOM, noncharacter", "\"\\u202e\\ufeff\\uffff\""),
        Tolerated("emoji (a valid pair)", "\"\\ud83d\\ude00\""),
        Tolerated("string NaN", "\"NaN\""),
        Tolerated("string number", "\"-1\""),
        Tolerated("minus one", "-1"),
        Tolerated("zero", "0"),
        Tolerated("negative zero", "-0.0"),
        Tolerated("fraction", "1.5"),
        Tolerated("int32 max + 1", "2147483648"),
        Tolerated("int32 min - 1", "-2147483649"),
        Tolerated("int64 max + 1", "9223372036854775808"),
        Tolerated("huge integer", "99999999999999999999999999999999999999"),
        Tolerated("double max", "1.7976931348623157e308"),
        Tolerated("beyond double", "1e400"),
        Tolerated("tiny", "1e-400"),
        Tolerated("true", "true"),
        Tolerated("null", "null"),
        Tolerated("empty array", "[]"),
        Tolerated("empty object", "{}"),
        Tolerated("array of null", "[null]"),
        Tolerated("nested arrays", "[[1, \"a\", null]]"),
        Tolerated("operator object", "{\"$ne\": null}"),
        Tolerated("100 levels deep", new string('[', 100) + new string(']', 100)),
        Tolerated("5,000 objects", "[" + string.Join(",", Enumerable.Repeat("{}", 5_000)) + "]"),
    ];

    /// <summary>JSON strings to use as property names (dictionary keys included).</summary>
    public static IReadOnlyList<HostileValue> JsonKeys { get; } =
        Json.Where(value => value.Bytes[0] == (byte)'"' && value.Bytes.Length < 1_000).ToList();

    /// <summary>Percent-encoded URL text for a path segment or a query value.</summary>
    public static IReadOnlyList<HostileValue> Url { get; } =
    [
        Refused("nul", "%00"),
        Refused("nul inside", "a%00b"),
        Refused("C0 controls", "a%01%1Fb"),
        Refused("delete", "a%7F"),
        Refused("C1 control", "a%C2%85b"),
        // Escapes that are not UTF-8 reach handlers as the literal escape text: harmless, so not refused.
        Tolerated("invalid UTF-8", "%C3%28"),
        Tolerated("byte FF", "%FF%FE"),
        Tolerated("overlong UTF-8 NUL", "%C0%80"),
        Tolerated("UTF-8 surrogate (CESU)", "%ED%A0%80"),
        Refused("5,000 characters", new string('x', 5_000)),
        Refused("100k characters", new string('x', 100_000)),
        Tolerated("CR LF", "a%0D%0Ab"),
        Tolerated("empty", string.Empty),
        Tolerated("blank", "%20%20"),
        Tolerated("SQL injection", "%27%3B%20DROP%20TABLE%20users%3B--"),
        Tolerated("SQL tautology", "%27%20OR%20%271%27%3D%271"),
        Tolerated("LIKE wildcards", "%25_%5C"),
        Tolerated("path traversal", "..%2F..%2Fetc%2Fpasswd"),
        Tolerated("bare percent", "%"),
        Tolerated("bad escape", "%zz"),
        Tolerated("emoji", "%F0%9F%98%80"),
        Tolerated("bidi override", "%E2%80%AE"),
        Tolerated("minus one", "-1"),
        Tolerated("zero", "0"),
        Tolerated("huge number", "99999999999999999999999"),
        Tolerated("int32 max + 1", "2147483648"),
        Tolerated("NaN", "NaN"),
        Tolerated("fraction", "1.5"),
        Tolerated("empty GUID", "00000000-0000-0000-0000-000000000000"),
        Tolerated("braced GUID", "%7B" + Guid.NewGuid() + "%7D"),
        Tolerated("year 0001", "0001-01-01T00:00:00"),
        Tolerated("year 9999", "9999-12-31T23:59:59.9999999Z"),
        Tolerated("JSON", "%7B%22a%22%3A1%7D"),
    ];

    /// <summary>Values for a header (sent without validation where the client allows it).</summary>
    public static IReadOnlyList<HostileValue> Header { get; } =
    [
        Tolerated("empty", string.Empty),
        Refused("101 characters", new string('k', 101)),
        Refused("10,000 characters", new string('k', 10_000)),
        Refused("space inside", "a b"),
        Refused("non-ASCII", "clé"),
        Refused("control character", "a\u0001b"),
        Refused("delete", "a\u007f"),
        Tolerated("percent NUL", "%00"),
        Tolerated("SQL", "'OR'1'='1"),
        Tolerated("JSON", "{\"a\":1}"),
    ];

    private static HostileValue Refused(string name, string text) => new(name, Encoding.UTF8.GetBytes(text), true);

    private static HostileValue Tolerated(string name, string text) => new(name, Encoding.UTF8.GetBytes(text), false);
}
