using System.Text.Json;
using System.Text.Json.Serialization;

namespace CloudLab.AnalyticsService.Models;

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(SalesReport))]
[JsonSerializable(typeof(TopProductsReport))]
[JsonSerializable(typeof(UserSummary))]
public sealed partial class AnalyticsJsonContext : JsonSerializerContext;
