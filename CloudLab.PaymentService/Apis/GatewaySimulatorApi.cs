using CloudLab.PaymentService.Models;
using CloudLab.PaymentService.Data;
using CloudLab.ServiceDefaults.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace CloudLab.PaymentService.Apis;

/// <summary>
/// A stand-in for a card payment gateway, reached over HTTP like the real one would be. It keeps one charge per
/// idempotency key in its own table, so a retried charge is answered with the first outcome and never charged twice.
/// </summary>
public static class GatewaySimulatorApi
{
    public static RouteGroupBuilder MapGatewaySimulator(this IEndpointRouteBuilder app)
    {
        var gateway = app.MapGroup("/simulated-gateway")
            .WithTags("Simulated gateway")
            .DisableRateLimiting()
            .ExcludeFromDescription();
        gateway.MapPost("/charges", Charge);
        gateway.MapPost("/charges/{key}/refund", Refund);
        return gateway;
    }

    public static async Task<Results<Ok<GatewayCharge>, ProblemHttpResult>> Charge(
        IdempotencyKey key, GatewayChargeRequest request, GatewayLedger ledger, IOptionsMonitor<GatewayOptions> options,
        CancellationToken cancellationToken)
    {
        var simulator = options.CurrentValue.Simulator;
        await SimulateLatencyAsync(simulator, cancellationToken);
        if (Random.Shared.NextDouble() < simulator.ErrorRate)
        {
            return Unavailable();
        }

        var declineReason = request.Amount > simulator.CardLimit ? DeclineReason.InsufficientFunds
            : Random.Shared.NextDouble() < simulator.DeclineRate ? DeclineReason.CardDeclined
            : null;
        var charge = await ledger.ChargeAsync(key.Value, request.Amount, request.Currency, declineReason);
        var answerLost = request.Amount == simulator.UnansweredAmount
            || Random.Shared.NextDouble() < simulator.LostResponseRate;
        return answerLost ? Unavailable() : TypedResults.Ok(charge);
    }

    public static async Task<Results<Ok<GatewayCharge>, NotFound, ProblemHttpResult>> Refund(
        string key, GatewayLedger ledger, IOptionsMonitor<GatewayOptions> options, CancellationToken cancellationToken)
    {
        var simulator = options.CurrentValue.Simulator;
        await SimulateLatencyAsync(simulator, cancellationToken);
        if (Random.Shared.NextDouble() < simulator.ErrorRate)
        {
            return Unavailable();
        }

        var charge = await ledger.RefundAsync(key, cancellationToken);
        return charge is null ? TypedResults.NotFound() : TypedResults.Ok(charge);
    }

    private static Task SimulateLatencyAsync(SimulatorOptions simulator, CancellationToken cancellationToken)
    {
        var delay = simulator.LatencyMilliseconds
            + Random.Shared.Next(-simulator.JitterMilliseconds, simulator.JitterMilliseconds + 1);
        return delay > 0 ? Task.Delay(delay, cancellationToken) : Task.CompletedTask;
    }

    private static ProblemHttpResult Unavailable() =>
        TypedResults.Problem(
            "Simulated gateway failure.",
            statusCode: StatusCodes.Status503ServiceUnavailable,
            title: "Gateway unavailable");
}
