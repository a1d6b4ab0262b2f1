using System.Text.Json;
using System.Text.Json.Serialization;
using CloudLab.ServiceDefaults.Http;

namespace CloudLab.ProductService.Models;

/// <summary>
/// Source-generated JSON for the hot path (API responses and cache entries): no reflection per request.
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(Product))]
[JsonSerializable(typeof(Category))]
[JsonSerializable(typeof(IReadOnlyList<Category>))]
[JsonSerializable(typeof(PagedResult<Product>))]
[JsonSerializable(typeof(CreateProductRequest))]
[JsonSerializable(typeof(UpdateProductRequest))]
[JsonSerializable(typeof(CreateCategoryRequest))]
[JsonSerializable(typeof(ReservationRequest))]
[JsonSerializable(typeof(Reservation))]
[JsonSerializable(typeof(ReservationBatchRequest))]
[JsonSerializable(typeof(ReservationBatchResponse))]
[JsonSerializable(typeof(ReleaseBatchRequest))]
[JsonSerializable(typeof(IReadOnlyList<ShortItem>))]
public sealed partial class ProductJsonContext : JsonSerializerContext;
