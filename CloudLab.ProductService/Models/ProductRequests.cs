using System.ComponentModel.DataAnnotations;
using CloudLab.ServiceDefaults.Http.Input;

namespace CloudLab.ProductService.Models;

public sealed record CreateProductRequest(
    [Required, StringLength(200, MinimumLength = 1)] string Name,
    [StringLength(4000), MultiLine] string? Description,
    [Required] Guid? CategoryId,
    [Required, Range(typeof(decimal), "0", "1000000")] decimal? Price,
    [Required]
    [RegularExpression("^[A-Z]{3}$", ErrorMessage = "currency must be a three-letter ISO 4217 code such as USD.")]
    string Currency,
    [Required, Range(0, 1_000_000)] int? Stock,
    ProductStatus? Status);

/// <summary>A full replacement of the product's editable fields.</summary>
public sealed record UpdateProductRequest(
    [Required, StringLength(200, MinimumLength = 1)] string Name,
    [StringLength(4000), MultiLine] string? Description,
    [Required] Guid? CategoryId,
    [Required, Range(typeof(decimal), "0", "1000000")] decimal? Price,
    [Required]
    [RegularExpression("^[A-Z]{3}$", ErrorMessage = "currency must be a three-letter ISO 4217 code such as USD.")]
    string Currency,
    [Required, Range(0, 1_000_000)] int? Stock,
    [Required] ProductStatus? Status,
    long? Version = null);

public sealed record CreateCategoryRequest([Required, StringLength(100, MinimumLength = 1)] string Name);

/// <summary>Filters of <c>GET /api/products</c>.</summary>
public sealed record ProductFilter(Guid? CategoryId, ProductStatus? Status, bool? InStock, string? NamePrefix)
{
    /// <summary>A stable cache key for one page of this filter.</summary>
    public string CacheKey(int page, int pageSize) =>
        $"c={CategoryId:N}|s={Status}|i={InStock}|q={NamePrefix?.ToLowerInvariant()}|p={page}|n={pageSize}";
}
