using System.Net.Http.Json;
using CloudLab.OrderService.Models;
using CloudLab.ServiceDefaults.Http;

namespace CloudLab.OrderService.Domain;

/// <summary>
/// The reservation, or why there is none (the items that cannot be had; empty when the id was released).
/// </summary>
public sealed record ReserveResult(ReservationResponse? Reservation, IReadOnlyList<ShortItem> ShortItems);

/// <summary>
/// ProductService over HTTP, as OrderService uses it: reservations and releases by the batch.
/// </summary>
public sealed class ProductCatalogClient(HttpClient http)
{
    private const string Dependency = "ProductService";

    /// <summary>One call for many orders, one result per order in the same order: idempotent per order id.</summary>
    public Task<IReadOnlyList<ReserveResult>> ReserveBatchAsync(
        IReadOnlyList<ReservationRequest> orders, CancellationToken cancellationToken) =>
        DependencyCall.GuardAsync<IReadOnlyList<ReserveResult>>(Dependency, async () =>
        {
            using var response = await http.PostAsJsonAsync(
                "/api/products/reservations/batch", new ReservationBatchRequest(orders),
                OrderJsonContext.Default.ReservationBatchRequest, cancellationToken);
            response.EnsureSuccessStatusCode();
            var answer = await response.Content.ReadFromJsonAsync(
                    OrderJsonContext.Default.ReservationBatchResponse, cancellationToken)
                ?? throw new HttpRequestException("ProductService answered a reservation batch with no body.");
            var byOrder = answer.Results.DistinctBy(result => result.OrderId).ToDictionary(result => result.OrderId);
            return orders.Select(order => byOrder.TryGetValue(order.OrderId, out var result)
                    ? ToReserveResult(result)
                    : throw new HttpRequestException($"ProductService did not answer for order {order.OrderId}."))
                .ToList();
        });

    /// <summary>Gives many orders' stock back in one call: idempotent per order id.</summary>
    public Task ReleaseBatchAsync(IReadOnlyList<Guid> orderIds, CancellationToken cancellationToken) =>
        DependencyCall.GuardAsync(Dependency, async () =>
        {
            using var response = await http.PostAsJsonAsync(
                "/api/products/reservations/releases", new ReleaseBatchRequest(orderIds),
                OrderJsonContext.Default.ReleaseBatchRequest, cancellationToken);
            response.EnsureSuccessStatusCode();
            return true;
        });

    private static ReserveResult ToReserveResult(ReservationResult result) => result.Outcome switch
    {
        RemoteReservationOutcome.Reserved when result.Reservation is { } reservation =>
            new ReserveResult(reservation, []),
        RemoteReservationOutcome.ItemsNotAvailable => new ReserveResult(null, result.ShortItems ?? []),
        _ => new ReserveResult(null, []), // released: this order id's stock cannot be had any more
    };
}
