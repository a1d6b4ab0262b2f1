using System.ComponentModel;
using System.Text.Json.Serialization;

namespace CloudLab.ProductService.Models;

[JsonConverter(typeof(JsonStringEnumConverter<ProductStatus>))]
public enum ProductStatus
{
    [JsonStringEnumMemberName("active")]
    Active,

    [JsonStringEnumMemberName("inactive")]
    Inactive,

    [JsonStringEnumMemberName("discontinued")]
    Discontinued,
}

/// <summary>A catalogue entry, as the API returns it and as it is cached.</summary>
[ImmutableObject(true)]
public sealed record Product(
    Guid Id,
    string Name,
    string Description,
    Guid CategoryId,
    decimal Price,
    string Currency,
    int Stock,
    ProductStatus Status,
    DateTime CreatedAt,
    DateTime UpdatedAt);

[ImmutableObject(true)]
public sealed record Category(Guid Id, string Name);

public static class ProductStatusNames
{
    public static string ToDb(this ProductStatus status) => status switch
    {
        ProductStatus.Active => "active",
        ProductStatus.Inactive => "inactive",
        _ => "discontinued",
    };

    public static ProductStatus FromDb(string value) => value switch
    {
        "active" => ProductStatus.Active,
        "inactive" => ProductStatus.Inactive,
        _ => ProductStatus.Discontinued,
    };
}
