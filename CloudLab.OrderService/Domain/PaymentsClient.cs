using System.Net;
using System.Net.Http.Json;
using CloudLab.OrderService.Models;
using CloudLab.ServiceDefaults.Http;

namespace CloudLab.OrderService.Domain;

/// <summary>Charges and refunds for orders. A charge carries the order id as Idempotency-Key: retried, it charges once.</summary>
public interface IPayments
{
    Task<PaymentInfo> ChargeAsync(ChargeRequest charge, CancellationToken cancellationToken);

    Task<IReadOnlyList<PaymentInfo>> ForOrderAsync(Guid orderId, CancellationToken cancellationToken);

    /// <summary>Refunds a captured payment (a refunded one is fine too); false when the payment cannot be refunded.</summary>
    Task<bool> RefundAsync(Guid paymentId, CancellationToken cancellationToken);
}

/// <summary>PaymentService over HTTP, as OrderService uses it.</summary>
public sealed class PaymentsClient(HttpClient http) : IPayments
{
    private const string Dependency = "PaymentService";

    public Task<PaymentInfo> ChargeAsync(ChargeRequest charge, CancellationToken cancellationToken) =>
        DependencyCall.GuardAsync(Dependency, async () =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/payments")
            {
                Content = JsonContent.Create(charge, OrderJsonContext.Default.ChargeRequest),
            };
            request.Headers.Add(IdempotencyKey.HeaderName, charge.OrderId.ToString());
            using var response = await http.SendAsync(request, cancellationToken);
            response.EnsureSuccessStatusCode();
            return (await response.Content.ReadFromJsonAsync(OrderJsonContext.Default.PaymentInfo, cancellationToken))!;
        });

    public Task<IReadOnlyList<PaymentInfo>> ForOrderAsync(Guid orderId, CancellationToken cancellationToken) =>
        DependencyCall.GuardAsync(Dependency, async () =>
        {
            var page = await http.GetFromJsonAsync($"/api/payments?order_id={orderId}", OrderJsonContext.Default.PaymentPage, cancellationToken);
            return page?.Items ?? [];
        });

    public Task<bool> RefundAsync(Guid paymentId, CancellationToken cancellationToken) =>
        DependencyCall.GuardAsync(Dependency, async () =>
        {
            using var response = await http.PostAsync(new Uri($"/api/payments/{paymentId}/refund", UriKind.Relative), content: null, cancellationToken);
            if (response.StatusCode is HttpStatusCode.Conflict or HttpStatusCode.NotFound)
            {
                return false;
            }

            response.EnsureSuccessStatusCode();
            return true;
        });
}
