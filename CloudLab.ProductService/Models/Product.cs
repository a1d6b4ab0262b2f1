using System.ComponentModel;
using System.Text.Json.Serialization;
using CloudLab.ServiceDefaults.Http;

namespace CloudLab.ProductService.Models;

[JsonConverter(typeof(JsonStringEnumConverter<ProductStatus>))]
public enum ProductStatus
{
    [JsonStringEnumMemberName(ProductStatusNames.Active)]
    Active,

    [JsonStringEnumMemberName(ProductStatusNames.Inactive)]
    Inactive,

    [JsonStringEnumMemberName(ProductStatusNames.Discontinued)]
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
    DateTime UpdatedAt,
    long Version)
{
    /// <summary>
    /// The entity tag of this version: strong, since every write raises the version. Made once per instance (cached
    /// instances serve many reads), not per response.
    /// </summary>
    [JsonIgnore]
    public string ETag { get; } = EntityTags.Strong(Version);
}

[ImmutableObject(true)]
public sealed record Category(Guid Id, string Name);

/// <summary>The one spelling of each <see cref="ProductStatus"/>, in SQL, in JSON and in query strings.</summary>
public static class ProductStatusNames
{
    public const string Active = "active";
    public const string Inactive = "inactive";
    public const string Discontinued = "discontinued";

    public static string ToDb(this ProductStatus status) => status switch
    {
        ProductStatus.Active => Active,
        ProductStatus.Inactive => Inactive,
        _ => Discontinued,
    };

    public static bool TryParse(string? value, out ProductStatus status)
    {
        (var known, status) = value switch
        {
            Active => (true, ProductStatus.Active),
            Inactive => (true, ProductStatus.Inactive),
            Discontinued => (true, ProductStatus.Discontinued),
            _ => (false, default),
        };
        return known;
    }

    public static ProductStatus FromDb(string value) =>
        TryParse(value, out var status) ? status : throw new InvalidDataException($"Unknown product status '{value}'.");
}
