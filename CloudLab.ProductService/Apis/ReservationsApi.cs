using CloudLab.Contracts;
using CloudLab.ProductService.Domain;
using CloudLab.ProductService.Models;
using CloudLab.ServiceDefaults.Auth;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CloudLab.ProductService.Apis;

/// <summary>
/// Stock reservations for orders. Called by OrderService (role service) or an admin; both are idempotent per order id.
/// </summary>
public static class ReservationsApi
{
    public static RouteGroupBuilder MapReservationsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/products/reservations")
            .WithTags("Reservations")
            .RequireAdminOrService(ServiceNames.Order);
        api.MapPost("/", Reserve);
        api.MapPost("/batch", ReserveBatch);
        api.MapDelete("/{orderId:guid}", Release);
        api.MapPost("/releases", ReleaseBatch);
        return api;
    }

    public static async Task<Results<Ok<Reservation>, ProblemHttpResult>> Reserve(
        ReservationRequest request, StockReservations reservations, CancellationToken cancellationToken)
    {
        var outcome = await reservations.ReserveAsync(request.OrderId!.Value, request.Items, cancellationToken);
        return outcome.Failure switch
        {
            ReservationFailure.ItemsNotAvailable => TypedResults.Problem(
                "Some items cannot be reserved (see shortItems: unknown_product, not_for_sale or insufficient_stock); "
                    + "nothing was reserved.",
                statusCode: StatusCodes.Status422UnprocessableEntity,
                title: "Items not available",
                extensions: new Dictionary<string, object?> { ["shortItems"] = outcome.ShortItems }),
            ReservationFailure.AlreadyReleased => TypedResults.Problem(
                "This order's reservation was already released; use a new order id.",
                statusCode: StatusCodes.Status409Conflict,
                title: "Reservation released"),
            _ => TypedResults.Ok(outcome.Reservation!),
        };
    }

    /// <summary>
    /// Many orders at once, each all-or-nothing with its own answer: one order's shortage does not fail the others.
    /// </summary>
    public static async Task<Ok<ReservationBatchResponse>> ReserveBatch(
        ReservationBatchRequest request, StockReservations reservations, CancellationToken cancellationToken)
    {
        var outcomes = await reservations.ReserveManyAsync(
            request.Orders.Select(order => (order.OrderId!.Value, order.Items)).ToList(), cancellationToken);
        var results = request.Orders.Zip(outcomes, (order, outcome) => new ReservationResult(
            order.OrderId!.Value,
            outcome.Failure switch
            {
                ReservationFailure.ItemsNotAvailable => ReservationResultKind.ItemsNotAvailable,
                ReservationFailure.AlreadyReleased => ReservationResultKind.Released,
                _ => ReservationResultKind.Reserved,
            },
            outcome.Reservation,
            outcome.ShortItems));
        return TypedResults.Ok(new ReservationBatchResponse(results.ToList()));
    }

    public static async Task<NoContent> Release(
        Guid orderId, StockReservations reservations, CancellationToken cancellationToken)
    {
        await reservations.ReleaseAsync(orderId, cancellationToken);
        return TypedResults.NoContent();
    }

    /// <summary>Many orders' stock given back at once; like the single release, idempotent per order id.</summary>
    public static async Task<NoContent> ReleaseBatch(
        ReleaseBatchRequest request, StockReservations reservations, CancellationToken cancellationToken)
    {
        await reservations.ReleaseManyAsync(request.OrderIds, cancellationToken);
        return TypedResults.NoContent();
    }
}
