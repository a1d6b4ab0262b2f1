using CloudLab.ProductService.Models;

namespace CloudLab.Benchmarks;

/// <summary>A product the size of a seeded one: the value every benchmark caches, serializes or sends.</summary>
internal static class SampleProduct
{
    public static readonly Product Lamp = new(
        Guid.NewGuid(),
        "Smart Lamp 00042",
        "Seeded product number 42.",
        Guid.NewGuid(),
        42.5m,
        "USD",
        100,
        ProductStatus.Active,
        DateTime.UtcNow,
        DateTime.UtcNow,
        Version: 1);
}
