using CloudLab.PaymentService.Models;
using CloudLab.ServiceDefaults.Data;
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
    private const string Columns = "charge_id AS chargeid, outcome, decline_reason AS declinereason, refunded_at IS NOT NULL AS refunded";

    public static RouteGroupBuilder MapGatewaySimulator(this IEndpointRouteBuilder app)
    {
        var gateway = app.MapGroup("/simulated-gateway").WithTags("Simulated gateway").DisableRateLimiting().ExcludeFromDescription();
        gateway.MapPost("/charges", Charge);
        gateway.MapPost("/charges/{key}/refund", Refund);
        return gateway;
    }

    public static async Task<Results<Ok<GatewayCharge>, ProblemHttpResult>> Charge(
        IdempotencyKey key, GatewayChargeRequest request, Database database, IOptionsMonitor<GatewayOptions> options, CancellationToken cancellationToken)
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
        await database.ExecuteAsync(
            Query.Write("gateway_charges", "insert"),
            """
            INSERT INTO gateway_charges (idempotency_key, charge_id, amount, currency, outcome, decline_reason)
            VALUES (@key, @chargeId, @Amount, @Currency, @outcome, @declineReason)
            ON CONFLICT (idempotency_key) DO NOTHING
            """,
            new { key = key.Value, chargeId = "ch_" + Guid.NewGuid().ToString("N"), request.Amount, request.Currency, outcome = declineReason is null ? GatewayOutcome.Captured : GatewayOutcome.Declined, declineReason },
            cancellationToken);
        var charge = await database.QuerySingleOrDefaultAsync<GatewayCharge>(
            Query.Read("gateway_charges", "get"), $"SELECT {Columns} FROM gateway_charges WHERE idempotency_key = @key", new { key = key.Value }, cancellationToken);

        return Random.Shared.NextDouble() < simulator.LostResponseRate ? Unavailable() : TypedResults.Ok(charge!);
    }

    public static async Task<Results<Ok<GatewayCharge>, NotFound, ProblemHttpResult>> Refund(
        string key, Database database, IOptionsMonitor<GatewayOptions> options, CancellationToken cancellationToken)
    {
        var simulator = options.CurrentValue.Simulator;
        await SimulateLatencyAsync(simulator, cancellationToken);
        if (Random.Shared.NextDouble() < simulator.ErrorRate)
        {
            return Unavailable();
        }

        var charge = await database.QuerySingleOrDefaultAsync<GatewayCharge>(
            Query.Write("gateway_charges", "refund"),
            $"""
            UPDATE gateway_charges SET refunded_at = COALESCE(refunded_at, now())
            WHERE idempotency_key = @key AND outcome = @Captured
            RETURNING {Columns}
            """,
            new { key, GatewayOutcome.Captured }, cancellationToken);
        return charge is null ? TypedResults.NotFound() : TypedResults.Ok(charge);
    }

    private static Task SimulateLatencyAsync(SimulatorOptions simulator, CancellationToken cancellationToken)
    {
        var delay = simulator.LatencyMilliseconds + Random.Shared.Next(-simulator.JitterMilliseconds, simulator.JitterMilliseconds + 1);
        return delay > 0 ? Task.Delay(delay, cancellationToken) : Task.CompletedTask;
    }

    private static ProblemHttpResult Unavailable() =>
        TypedResults.Problem("Simulated gateway failure.", statusCode: StatusCodes.Status503ServiceUnavailable, title: "Gateway unavailable");
}
