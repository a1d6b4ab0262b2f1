using System.Text.Json;
using System.Text.Json.Serialization;
using CloudLab.ServiceDefaults.Http;

namespace CloudLab.OrderService.Models;

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(Order))]
[JsonSerializable(typeof(IReadOnlyList<OrderItem>))]
[JsonSerializable(typeof(PagedResult<Order>))]
[JsonSerializable(typeof(PlaceOrderRequest))]
[JsonSerializable(typeof(OrderFailure))]
[JsonSerializable(typeof(ReservationRequest))]
[JsonSerializable(typeof(ReservationResponse))]
[JsonSerializable(typeof(IReadOnlyList<ShortItem>))]
[JsonSerializable(typeof(ChargeRequest))]
[JsonSerializable(typeof(ReservationBatchRequest))]
[JsonSerializable(typeof(ReservationBatchResponse))]
[JsonSerializable(typeof(ReleaseBatchRequest))]
[JsonSerializable(typeof(ChargeBatchRequest))]
[JsonSerializable(typeof(ChargeBatchResponse))]
[JsonSerializable(typeof(PaymentInfo))]
[JsonSerializable(typeof(PaymentPage))]
[JsonSerializable(typeof(Dictionary<string, JsonElement>))]
[JsonSerializable(typeof(string))]
public sealed partial class OrderJsonContext : JsonSerializerContext;
