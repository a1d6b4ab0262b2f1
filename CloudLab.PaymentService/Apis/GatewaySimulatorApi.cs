using System.Text.RegularExpressions;
using CloudLab.Contracts;
using CloudLab.PaymentService.Models;
using CloudLab.PaymentService.Data;
using CloudLab.ServiceDefaults.Auth;
using CloudLab.ServiceDefaults.Http;
using CloudLab.ServiceDefaults.Http.RateLimiting;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace CloudLab.PaymentService.Apis;

/// <summary>
/// A stand-in for a card payment gateway, reached over HTTP like the real one would be. It keeps one charge per
/// idempotency key in its own table, so a retried charge is answered with the first outcome and never charged twice.
/// Test scaffolding: mapped only when <c>Gateway:Simulator:Enabled</c> is set (the AppHost sets it in run mode, never
/// in a published manifest), never in Production, and only for callers with a service token (PaymentService itself) or
/// an admin.
/// </summary>
public static partial class GatewaySimulatorApi
{
    public const string EnabledSetting = "Gateway:Simulator:Enabled";

    /// <summary>Maps the simulator where configuration enables it; null where it is off.</summary>
    public static RouteGroupBuilder? MapGatewaySimulator(this RouteGroupBuilder api, WebApplication app)
    {
        if (!IsEnabled(app.Configuration, app.Environment))
        {
            return null;
        }

        app.Logger.LogWarning(
            "The simulated payment gateway is enabled ({Setting}); it is test scaffolding", EnabledSetting);
        // Rate limits: PaymentService calls it with its own service token, so each call counts in that service's own
        // per-client bucket (RateLimiting:PerClient:ServicePermitsPerSecond, 5,000/s with a 10,000 burst), which
        // holds the 1,000-2,000 charges/s of the standard's peak and burst, each retried at most twice, with room to
        // spare; no customer shares that bucket. It skips the service layer (load shedding at PaymentService's own
        // burst rate and its in-flight bound): the charge that makes the call was already admitted there, and the
        // gateway stands for an external system that would not spend PaymentService's capacity.
        var gateway = api.MapGroup("/simulated-gateway")
            .WithTags("Simulated gateway")
            .RequireAdminOrService(ServiceNames.Payment)
            .WithMetadata(new ExcludeFromServiceCapacityAttribute())
            .ExcludeFromDescription();
        gateway.MapPost("/charges", Charge);
        gateway.MapPost("/charges/{key}/refund", Refund);
        return gateway;
    }

    /// <summary>
    /// Whether the simulator is to be served. On in Production is a deployment mistake that would let anyone with a
    /// token rewrite the gateway's ledger, so the service refuses to start rather than serve it.
    /// </summary>
    public static bool IsEnabled(IConfiguration configuration, IHostEnvironment environment)
    {
        var enabled = configuration.GetValue<bool>(EnabledSetting);
        if (enabled && environment.IsProduction())
        {
            throw new InvalidOperationException(
                $"{EnabledSetting} is true in Production. The simulated payment gateway is test scaffolding and is "
                    + "never served in Production: remove the setting and point Gateway:BaseUrl at the real gateway.");
        }

        return enabled;
    }

    public static async Task<Results<Ok<GatewayCharge>, ProblemHttpResult>> Charge(
        IdempotencyKey key, GatewayChargeRequest request, GatewayLedger ledger, IOptionsMonitor<GatewayOptions> options,
        CancellationToken cancellationToken)
    {
        var simulator = options.CurrentValue.Simulator;
        if (Random.Shared.NextDouble() < simulator.ErrorRate)
        {
            await SimulateLatencyAsync(simulator, cancellationToken);
            return Unavailable();
        }

        var declineReason = request.Amount > simulator.CardLimit ? DeclineReason.InsufficientFunds
            : Random.Shared.NextDouble() < simulator.DeclineRate ? DeclineReason.CardDeclined
            : null;
        // The gateway answers after its latency, counted from the request's arrival; its ledger write runs meanwhile.
        // Awaited after the write, the latency came on top of it: a charge then took 20 ± 10 ms plus the ledger's
        // batches (~9 charges each, one at a time, two per batch of orders at 500 orders/s), which models a slower
        // gateway than configured. The charges of one batch, sent together, still reach the ledger together.
        var latency = SimulateLatencyAsync(simulator, cancellationToken);
        var charge = await ledger.ChargeAsync(key.Value, request.Amount!.Value, request.Currency, declineReason);
        await latency;
        var answerLost = request.Amount == simulator.UnansweredAmount
            || Random.Shared.NextDouble() < simulator.LostResponseRate;
        return answerLost ? Unavailable() : TypedResults.Ok(charge);
    }

    public static async Task<Results<Ok<GatewayCharge>, NotFound, ProblemHttpResult>> Refund(
        string key, GatewayLedger ledger, IOptionsMonitor<GatewayOptions> options, CancellationToken cancellationToken)
    {
        if (!KeyRule().IsMatch(key))
        {
            throw new RequestValidationException("key", "The charge key must be 1 to 100 printable ASCII characters.");
        }

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

    [GeneratedRegex(GatewayChargeRequest.KeyPattern)]
    private static partial Regex KeyRule();
}
