using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CloudLab.OrderService.Models;
using CloudLab.ServiceDefaults.Http;

namespace CloudLab.OrderService.Clients;

public sealed record ReserveResult(ReservationResponse? Reservation, IReadOnlyList<ShortItem> ShortItems, bool AlreadyReleased);

/// <summary>ProductService as OrderService uses it: stock reserved (and priced) or released per order id, idempotent both ways.</summary>
public sealed class ProductCatalogClient(HttpClient http)
{
    private const string Dependency = "ProductService";

    public Task<ReserveResult> ReserveAsync(ReservationRequest request, CancellationToken cancellationToken) =>
        DependencyCall.GuardAsync(Dependency, async () =>
        {
            using var response = await http.PostAsJsonAsync("/api/products/reservations", request, OrderJsonContext.Default.ReservationRequest, cancellationToken);
            switch (response.StatusCode)
            {
                case HttpStatusCode.UnprocessableEntity:
                    using (var problem = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(cancellationToken), cancellationToken: cancellationToken))
                    {
                        var shortItems = problem.RootElement.TryGetProperty("shortItems", out var items)
                            ? items.Deserialize(OrderJsonContext.Default.IReadOnlyListShortItem) ?? []
                            : [];
                        return new ReserveResult(null, shortItems, false);
                    }

                case HttpStatusCode.Conflict:
                    return new ReserveResult(null, [], true);
                default:
                    response.EnsureSuccessStatusCode();
                    return new ReserveResult(await response.Content.ReadFromJsonAsync(OrderJsonContext.Default.ReservationResponse, cancellationToken), [], false);
            }
        });

    public Task ReleaseAsync(Guid orderId, CancellationToken cancellationToken) =>
        DependencyCall.GuardAsync(Dependency, async () =>
        {
            using var response = await http.DeleteAsync(new Uri($"/api/products/reservations/{orderId}", UriKind.Relative), cancellationToken);
            response.EnsureSuccessStatusCode();
            return true;
        });
}
