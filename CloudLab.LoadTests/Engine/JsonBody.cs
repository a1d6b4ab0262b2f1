using System.Text.Json;

namespace CloudLab.LoadTests.Engine;

/// <summary>
/// A JSON request body serialized once, up front, whose bytes <see cref="RawHttpSender"/> writes as they are.
/// <c>JsonContent</c> serializes when the content is read, through a buffering stream: turning an order request into
/// bytes allocated 7.5 KB, most of it in that read, and building and writing requests took a quarter of the driver's
/// CPU samples at the order burst (5,000 requests a second; round 15's profile).
/// </summary>
public sealed class JsonBody : ByteArrayContent
{
    private JsonBody(byte[] utf8)
        : base(utf8)
    {
        Utf8 = utf8;
        Headers.TryAddWithoutValidation("Content-Type", "application/json; charset=utf-8"); // written as it is
    }

    public byte[] Utf8 { get; }

    /// <summary>The value as JSON, with the web defaults (camelCase), as <c>JsonContent.Create</c> writes it.</summary>
    public static JsonBody Create<T>(T value) =>
        new(JsonSerializer.SerializeToUtf8Bytes(value, JsonSerializerOptions.Web));
}
