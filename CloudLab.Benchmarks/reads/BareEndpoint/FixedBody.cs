using System.Text;

namespace CloudLab.ReadPeers.BareEndpoint;

/// <summary>The bytes the bare endpoint answers with.</summary>
internal static class FixedBody
{
    /// <summary>A seeded product as CloudLab's <c>GET /api/products/{id}</c> returns it (about 300 bytes).</summary>
    private const string SeededProduct =
        "{\"id\":\"c4ca4238-a0b9-2382-0dcc-509a6f75849b\",\"name\":\"Smart Lamp 00001\","
        + "\"description\":\"Seeded product number 1.\",\"categoryId\":\"c4ca4238-a0b9-2382-0dcc-509a6f75849b\","
        + "\"price\":10.99,\"currency\":\"USD\",\"stock\":100,\"status\":\"active\","
        + "\"createdAt\":\"2026-11-29T18:00:00.000000Z\",\"updatedAt\":\"2026-11-29T18:00:00.000000Z\",\"version\":1}";

    public static byte[] Load(string? path) =>
        string.IsNullOrEmpty(path) ? Encoding.UTF8.GetBytes(SeededProduct) : File.ReadAllBytes(path);
}
