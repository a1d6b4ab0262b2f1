using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CloudLab.OrderService.Models;
using CloudLab.ServiceDefaults.Http;

namespace CloudLab.OrderService.Domain;

/// <summary>The reservation, or why there is none (the items that cannot be had; empty when the id was released).</summary>
public sealed record ReserveResult(ReservationResponse? Reservation, IReadOnlyList<ShortItem> ShortItems);

/// <summary>Stock reserved (and priced) or released per order id, idempotent both ways.</summary>
public interface IProductReservations
{
    Task<ReserveResult> ReserveAsync(ReservationRequest request, CancellationToken cancellationToken);

    Task ReleaseAsync(Guid orderId, CancellationToken cancellationToken);
}

/// <summary>ProductService over HTTP, as OrderService uses it.</summary>
public sealed class ProductCatalogClient(HttpClient http) : IProductReservations
{
    private const string Dependency = "ProductService";

    public Task<ReserveResult> ReserveAsync(ReservationRequest request, CancellationToken cancellationToken) =>
        DependencyCall.GuardAsync(Dependency, async () =>
        {
            using var response = await http.PostAsJsonAsync(
                "/api/products/reservations", request, OrderJsonContext.Default.ReservationRequest, cancellationToken);
            switch (response.StatusCode)
            {
                case HttpStatusCode.UnprocessableEntity:
                    await using (var body = await response.Content.ReadAsStreamAsync(cancellationToken))
                    {
                        using var problem = await JsonDocument.ParseAsync(body, cancellationToken: cancellationToken);
                        var shortItems = problem.RootElement.TryGetProperty("shortItems", out var items)
                            ? items.Deserialize(OrderJsonContext.Default.IReadOnlyListShortItem) ?? []
                            : [];
                        return new ReserveResult(null, shortItems);
                    }

                case HttpStatusCode.Conflict:
                    return new ReserveResult(null, []); // this order id's reservation was released: it cannot be had
                default:
                    response.EnsureSuccessStatusCode();
                    var reservation = await response.Content.ReadFromJsonAsync(
                        OrderJsonContext.Default.ReservationResponse, cancellationToken);
                    return new ReserveResult(reservation, []);
            }
        });

    public Task ReleaseAsync(Guid orderId, CancellationToken cancellationToken) =>
        DependencyCall.GuardAsync(Dependency, async () =>
        {
            using var response = await http.DeleteAsync(
                new Uri($"/api/products/reservations/{orderId}", UriKind.Relative), cancellationToken);
            response.EnsureSuccessStatusCode();
            return true;
        });
}
