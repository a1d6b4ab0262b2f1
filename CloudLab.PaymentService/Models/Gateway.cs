using System.ComponentModel.DataAnnotations;

namespace CloudLab.PaymentService.Models;

public sealed record GatewayChargeRequest(
    [Range(typeof(decimal), "0.01", "100000000")] decimal Amount,
    [Required, RegularExpression(
        "^[A-Z]{3}$", ErrorMessage = "currency must be a three-letter ISO 4217 code such as USD.")]
    string Currency,
    [StringLength(100)] string Reference);

/// <summary>What the gateway did with a charge.</summary>
public static class GatewayOutcome
{
    public const string Captured = "captured";
    public const string Declined = "declined";
}

/// <summary>Why the gateway declined a charge.</summary>
public static class DeclineReason
{
    public const string InsufficientFunds = "insufficient_funds";
    public const string CardDeclined = "card_declined";
}

/// <summary>The gateway's answer: a <see cref="GatewayOutcome"/>, with a reason when declined.</summary>
public sealed record GatewayCharge(string ChargeId, string Outcome, string? DeclineReason, bool Refunded);

public sealed class GatewayOptions
{
    /// <summary>The gateway's address; the AppHost points it at the simulator this service hosts.</summary>
    public Uri? BaseUrl { get; set; }

    /// <summary>
    /// One attempt may take the standard's maximum for an external call (1 s; its target, 300 ms, is what the latency
    /// alerts watch). A 300 ms attempt timeout made an in-process simulator on busy cores look like an outage.
    /// </summary>
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>All attempts together: the standard's maximum for an external call.</summary>
    public TimeSpan TotalTimeout { get; set; } = TimeSpan.FromSeconds(1);

    public SimulatorOptions Simulator { get; set; } = new();
}

/// <summary>
/// How the simulated gateway behaves, so timeouts, retries and the circuit breaker meet real failures.
/// </summary>
public sealed class SimulatorOptions
{
    public int LatencyMilliseconds { get; set; } = 20;

    public int JitterMilliseconds { get; set; } = 10;

    /// <summary>Charges above this amount are declined ("insufficient funds"), deterministically.</summary>
    public decimal CardLimit { get; set; } = 50_000;

    /// <summary>Share of charges declined at random ("card declined").</summary>
    public double DeclineRate { get; set; }

    /// <summary>Share of calls failing with 503 before anything is charged.</summary>
    public double ErrorRate { get; set; }

    /// <summary>
    /// Share of charges made but answered 503, as when a response is lost: a retry must not charge twice.
    /// </summary>
    public double LostResponseRate { get; set; }

    /// <summary>
    /// Charges of exactly this amount are made but never answered (503, every time): a lost answer a test can pick for
    /// one order among others. Null: none.
    /// </summary>
    public decimal? UnansweredAmount { get; set; }
}
