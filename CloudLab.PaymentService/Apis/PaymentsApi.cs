using System.Collections.Frozen;
using System.Security.Claims;
using CloudLab.Contracts;
using CloudLab.PaymentService.Data;
using CloudLab.PaymentService.Models;
using CloudLab.PaymentService.Domain;
using CloudLab.ServiceDefaults.Auth;
using CloudLab.ServiceDefaults.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace CloudLab.PaymentService.Apis;

public static class PaymentsApi
{
    /// <summary>Services that may read any payment: OrderService checks captures before shipping.</summary>
    private static readonly FrozenSet<string> ReadersOfAll = FrozenSet.ToFrozenSet([ServiceNames.Order]);

    public static RouteGroupBuilder MapPaymentsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/payments").WithTags("Payments").RequireAuthorization();
        api.MapPost("/", Charge).RequireAdminOrService(ServiceNames.Order);
        api.MapPost("/batch", ChargeBatch).RequireAdminOrService(ServiceNames.Order);
        api.MapPost("/{id:guid}/refund", Refund).RequireAdminOrService(ServiceNames.Order);
        api.MapGet("/{id:guid}", GetPayment);
        api.MapGet("/", ListPayments);
        return api;
    }

    /// <summary>
    /// Charges once per Idempotency-Key: 201 when this request settled it, 200 with the same payment on a repeat.
    /// </summary>
    public static async Task<Results<Created<Payment>, Ok<Payment>, ProblemHttpResult>> Charge(
        IdempotencyKey key, ChargeRequest request, PaymentProcessor payments, CancellationToken cancellationToken)
    {
        var (payment, outcome) = await payments.ChargeAsync(key.Value, request, cancellationToken);
        return outcome switch
        {
            ChargeOutcome.KeyReused => TypedResults.Problem(
                "This Idempotency-Key was used for a different charge.",
                statusCode: StatusCodes.Status422UnprocessableEntity,
                title: "Idempotency key reused"),
            ChargeOutcome.Replayed => TypedResults.Ok(payment),
            _ => TypedResults.Created($"/api/payments/{payment.Id}", payment),
        };
    }

    /// <summary>
    /// Many charges at once, each under its own key with its own answer: a decline or a gateway that does not answer
    /// for one charge does not fail the others. Claims and outcomes are written in one statement per batch.
    /// </summary>
    public static async Task<Ok<ChargeBatchResponse>> ChargeBatch(
        ChargeBatchRequest request, PaymentProcessor payments, CancellationToken cancellationToken)
    {
        var outcomes = await payments.ChargeManyAsync(
            request.Charges.Select(item => (item.IdempotencyKey, item.Charge)).ToList(), cancellationToken);
        var results = request.Charges.Zip(outcomes, (item, result) => new ChargeBatchResult(
            item.IdempotencyKey,
            result.Outcome switch
            {
                ChargeOutcome.KeyReused => ChargeResultKind.KeyReused,
                ChargeOutcome.Replayed => ChargeResultKind.Replayed,
                ChargeOutcome.Unknown => ChargeResultKind.Unknown,
                _ => ChargeResultKind.Settled,
            },
            result.Outcome == ChargeOutcome.KeyReused ? null : result.Payment));
        return TypedResults.Ok(new ChargeBatchResponse(results.ToList()));
    }

    public static async Task<Results<Ok<Payment>, NotFound, ProblemHttpResult>> Refund(
        Guid id, PaymentProcessor payments, CancellationToken cancellationToken)
    {
        if (await payments.GetAsync(id, cancellationToken) is not { } payment)
        {
            return TypedResults.NotFound();
        }

        return await payments.RefundAsync(payment, cancellationToken) is { } refunded
            ? TypedResults.Ok(refunded)
            : TypedResults.Problem(
                $"A {payment.Status} payment cannot be refunded.",
                statusCode: StatusCodes.Status409Conflict,
                title: "Not refundable");
    }

    /// <summary>The payer, an admin or a service may read a payment; anyone else gets 404.</summary>
    public static async Task<Results<Ok<Payment>, NotFound>> GetPayment(
        Guid id, ClaimsPrincipal caller, PaymentProcessor payments, CancellationToken cancellationToken) =>
        await payments.GetAsync(id, cancellationToken) is { } payment && MayRead(caller, payment.UserId)
            ? TypedResults.Ok(payment)
            : TypedResults.NotFound();

    public static async Task<Ok<PagedResult<Payment>>> ListPayments(
        [FromQuery(Name = "order_id")] Guid? orderId,
        PageRequest page,
        ClaimsPrincipal caller,
        IPaymentStore store,
        CancellationToken cancellationToken)
    {
        if (orderId is null)
        {
            throw new RequestValidationException("order_id", "order_id is required.");
        }

        var seesAll = caller.IsAdmin() || caller.IsServiceAmong(ReadersOfAll);
        // A subject that is no user id (none is issued) sees no payment rather than failing.
        var payerId = seesAll ? (Guid?)null
            : Guid.TryParse(caller.FindFirstValue("sub"), out var subject) ? subject : Guid.Empty;
        return TypedResults.Ok(await store.ListForOrderAsync(orderId.Value, payerId, page, cancellationToken));
    }

    private static bool MayRead(ClaimsPrincipal caller, Guid ownerId) =>
        caller.IsAdmin() || caller.IsServiceAmong(ReadersOfAll) || caller.FindFirstValue("sub") == ownerId.ToString();
}
