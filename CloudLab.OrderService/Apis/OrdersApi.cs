using System.Security.Claims;
using CloudLab.OrderService.Models;
using CloudLab.OrderService.Domain;
using CloudLab.ServiceDefaults.Auth;
using CloudLab.ServiceDefaults.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CloudLab.OrderService.Apis;

public static class OrdersApi
{
    public static RouteGroupBuilder MapOrdersApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/orders").WithTags("Orders").RequireAuthorization();
        api.MapPost("/", PlaceOrder);
        api.MapGet("/", ListMyOrders);
        api.MapGet("/{id:guid}", GetOrder);
        api.MapPost("/{id:guid}/cancel", CancelOrder);
        api.MapPost("/{id:guid}/ship", ShipOrder).RequireAuthorization(Policies.Admin);
        return api;
    }

    /// <summary>
    /// 201 with the new order; the same Idempotency-Key again gives 200 with that order, or the same failure.
    /// </summary>
    public static async Task<Results<Created<Order>, Ok<Order>, ProblemHttpResult>> PlaceOrder(
        IdempotencyKey key,
        PlaceOrderRequest request,
        ClaimsPrincipal caller,
        OrderPlacement placement,
        CancellationToken cancellationToken)
    {
        var result = await placement.PlaceAsync(caller.SubjectId(), key, request, cancellationToken);
        if (result.Failure is { } failure)
        {
            return TypedResults.Problem(failure.Detail, statusCode: failure.Status, title: failure.Title,
                extensions: failure.Extensions?.ToDictionary(entry => entry.Key, entry => (object?)entry.Value));
        }

        return result.Replayed
            ? TypedResults.Ok(result.Order!)
            : TypedResults.Created($"/api/orders/{result.Order!.Id}", result.Order!);
    }

    public static async Task<Ok<PagedResult<Order>>> ListMyOrders(
        PageRequest page, ClaimsPrincipal caller, OrderReads orders, CancellationToken cancellationToken) =>
        TypedResults.Ok(await orders.ListForUserAsync(caller.SubjectId(), page, cancellationToken));

    /// <summary>The owner or an admin; anyone else gets 404, as if the order did not exist.</summary>
    public static async Task<Results<Ok<Order>, NotFound>> GetOrder(
        Guid id, ClaimsPrincipal caller, OrderReads orders, CancellationToken cancellationToken) =>
        await orders.GetAsync(id, cancellationToken) is { } order && MayAccess(caller, order)
            ? TypedResults.Ok(order)
            : TypedResults.NotFound();

    public static async Task<Results<Ok<Order>, NotFound, ProblemHttpResult>> CancelOrder(
        Guid id,
        ClaimsPrincipal caller,
        OrderReads orders,
        OrderLifecycle lifecycle,
        CancellationToken cancellationToken)
    {
        if (await orders.GetAsync(id, cancellationToken) is not { } order || !MayAccess(caller, order))
        {
            return TypedResults.NotFound();
        }

        var result = await lifecycle.CancelAsync(id, cancellationToken);
        return result switch
        {
            { Order: { } cancelled } => TypedResults.Ok(cancelled),
            { BlockingStatus: OrderStatus.Cancelled } =>
                TypedResults.Ok(await orders.GetAsync(id, cancellationToken) ?? order),
            _ => InvalidTransition(result.BlockingStatus, OrderStatus.Cancelled),
        };
    }

    /// <summary>
    /// Ships a paid order whose payment is still captured in PaymentService; else 409 saying what blocked it.
    /// </summary>
    public static async Task<Results<Ok<Order>, NotFound, ProblemHttpResult>> ShipOrder(
        Guid id, OrderLifecycle lifecycle, CancellationToken cancellationToken)
    {
        var result = await lifecycle.ShipAsync(id, cancellationToken);
        return result switch
        {
            { Order: { } shipped } => TypedResults.Ok(shipped),
            { PaymentStatus: { } paymentStatus } => PaymentNotCaptured(paymentStatus),
            { BlockingStatus: null } => TypedResults.NotFound(),
            _ => InvalidTransition(result.BlockingStatus, OrderStatus.Shipped),
        };
    }

    private static bool MayAccess(ClaimsPrincipal caller, Order order) =>
        caller.IsAdmin() || order.UserId == caller.SubjectId();

    private static ProblemHttpResult PaymentNotCaptured(string paymentStatus) =>
        TypedResults.Problem(
            $"The order's payment is {paymentStatus}: an order ships only while its payment is captured.",
            statusCode: StatusCodes.Status409Conflict,
            title: "Payment not captured",
            extensions: new Dictionary<string, object?> { ["paymentStatus"] = paymentStatus });

    private static ProblemHttpResult InvalidTransition(string? from, string to) =>
        TypedResults.Problem(
            $"A {from} order cannot become {to}.",
            statusCode: StatusCodes.Status409Conflict,
            title: "Invalid status change");
}
