using System.Net;
using System.Net.Http.Json;
using CloudLab.OrderService.Models;
using CloudLab.ServiceDefaults.Http;

namespace CloudLab.OrderService.Domain;

/// <summary>
/// PaymentService over HTTP, as OrderService uses it: charges by the batch, refunds and look-ups one by one.
/// </summary>
public sealed class PaymentsClient(HttpClient http)
{
    private const string Dependency = "PaymentService";

    /// <summary>
    /// One call for many charges, one answer per charge in the same order. A charge whose outcome PaymentService does
    /// not know (its gateway did not answer) or whose key was used for another charge answers as the dependency
    /// failing, for that charge alone.
    /// </summary>
    public Task<IReadOnlyList<Func<PaymentInfo>>> ChargeBatchAsync(
        IReadOnlyList<ChargeRequest> charges, CancellationToken cancellationToken) =>
        DependencyCall.GuardAsync<IReadOnlyList<Func<PaymentInfo>>>(Dependency, async () =>
        {
            var request = new ChargeBatchRequest(
                charges.Select(charge => new ChargeBatchItem(charge.OrderId.ToString(), charge)).ToList());
            using var response = await http.PostAsJsonAsync(
                "/api/payments/batch", request, OrderJsonContext.Default.ChargeBatchRequest, cancellationToken);
            response.EnsureSuccessStatusCode();
            var answer = await response.Content.ReadFromJsonAsync(
                    OrderJsonContext.Default.ChargeBatchResponse, cancellationToken)
                ?? throw new HttpRequestException("PaymentService answered a charge batch with no body.");
            var byKey = answer.Results
                .DistinctBy(result => result.IdempotencyKey)
                .ToDictionary(result => result.IdempotencyKey);
            return request.Charges
                .Select(item => byKey.TryGetValue(item.IdempotencyKey, out var result)
                    ? Outcome(result)
                    : Unknown(item.IdempotencyKey))
                .ToList();
        });

    public Task<IReadOnlyList<PaymentInfo>> ForOrderAsync(Guid orderId, CancellationToken cancellationToken) =>
        DependencyCall.GuardAsync(Dependency, async () =>
        {
            var page = await http.GetFromJsonAsync(
                $"/api/payments?order_id={orderId}", OrderJsonContext.Default.PaymentPage, cancellationToken);
            return page?.Items ?? [];
        });

    public Task<PaymentInfo?> GetAsync(Guid paymentId, CancellationToken cancellationToken) =>
        DependencyCall.GuardAsync(Dependency, async () =>
        {
            using var response = await http.GetAsync(
                new Uri($"/api/payments/{paymentId}", UriKind.Relative), cancellationToken);
            if (response.StatusCode == HttpStatusCode.NotFound)
            {
                return null;
            }

            response.EnsureSuccessStatusCode();
            return await response.Content.ReadFromJsonAsync(OrderJsonContext.Default.PaymentInfo, cancellationToken);
        });

    public Task<bool> RefundAsync(Guid paymentId, CancellationToken cancellationToken) =>
        DependencyCall.GuardAsync(Dependency, async () =>
        {
            using var response = await http.PostAsync(
                new Uri($"/api/payments/{paymentId}/refund", UriKind.Relative), content: null, cancellationToken);
            if (response.StatusCode is HttpStatusCode.Conflict or HttpStatusCode.NotFound)
            {
                return false;
            }

            response.EnsureSuccessStatusCode();
            return true;
        });

    private static Func<PaymentInfo> Outcome(ChargeBatchResult result) => result switch
    {
        { Outcome: RemoteChargeOutcome.Settled or RemoteChargeOutcome.Replayed, Payment: { } payment } => () => payment,
        { Outcome: RemoteChargeOutcome.KeyReused } => () => throw new DependencyUnavailableException(
            $"{Dependency} refused the charge: its key was used for a different charge."),
        _ => Unknown(result.IdempotencyKey),
    };

    private static Func<PaymentInfo> Unknown(string key) => () => throw new DependencyUnavailableException(
        $"{Dependency} does not know the outcome of charge {key} yet.");
}
