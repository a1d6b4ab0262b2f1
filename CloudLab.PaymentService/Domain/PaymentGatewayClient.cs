using System.Net;
using System.Net.Http.Json;
using CloudLab.PaymentService.Models;
using CloudLab.ServiceDefaults.Http;

namespace CloudLab.PaymentService.Domain;

/// <summary>The card gateway: one charge per payment id, however often it is asked.</summary>
public interface IPaymentGateway
{
    Task<GatewayCharge> ChargeAsync(
        Guid paymentId, decimal amount, string currency, CancellationToken cancellationToken);

    /// <summary>Refunds a captured charge; null when the gateway has no captured charge for the payment.</summary>
    Task<GatewayCharge?> RefundAsync(Guid paymentId, CancellationToken cancellationToken);
}

/// <summary>
/// Calls the card gateway over HTTP. Every call carries the payment's id as its idempotency key, which is what makes
/// the resilience handler's retries safe: the gateway answers a repeat with the first outcome.
/// </summary>
public sealed class PaymentGatewayClient(HttpClient http) : IPaymentGateway
{
    public async Task<GatewayCharge> ChargeAsync(
        Guid paymentId, decimal amount, string currency, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/simulated-gateway/charges")
        {
            Content = JsonContent.Create(
                new GatewayChargeRequest(amount, currency, paymentId.ToString()),
                PaymentJsonContext.Default.GatewayChargeRequest),
        };
        request.Headers.Add(IdempotencyKey.HeaderName, paymentId.ToString());
        return await SendAsync(request, cancellationToken)
            ?? throw new DependencyUnavailableException("The payment gateway has no record of this charge.");
    }

    public Task<GatewayCharge?> RefundAsync(Guid paymentId, CancellationToken cancellationToken) =>
        SendAsync(
            new HttpRequestMessage(HttpMethod.Post, $"/simulated-gateway/charges/{paymentId}/refund"),
            cancellationToken);

    private Task<GatewayCharge?> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
        DependencyCall.GuardAsync(
            "The payment gateway (the outcome is not known yet; retry with the same Idempotency-Key)",
            async () =>
            {
                using (request)
                {
                    using var response = await http.SendAsync(request, cancellationToken);
                    if (response.StatusCode == HttpStatusCode.NotFound)
                    {
                        return null;
                    }

                    response.EnsureSuccessStatusCode();
                    return await response.Content.ReadFromJsonAsync(
                        PaymentJsonContext.Default.GatewayCharge, cancellationToken);
                }
            });
}
