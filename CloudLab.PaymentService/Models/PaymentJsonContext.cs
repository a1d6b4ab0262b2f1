using System.Text.Json;
using System.Text.Json.Serialization;
using CloudLab.ServiceDefaults.Http;

namespace CloudLab.PaymentService.Models;

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(Payment))]
[JsonSerializable(typeof(PagedResult<Payment>))]
[JsonSerializable(typeof(ChargeRequest))]
[JsonSerializable(typeof(ChargeBatchRequest))]
[JsonSerializable(typeof(ChargeBatchResponse))]
[JsonSerializable(typeof(GatewayChargeRequest))]
[JsonSerializable(typeof(GatewayCharge))]
public sealed partial class PaymentJsonContext : JsonSerializerContext;
