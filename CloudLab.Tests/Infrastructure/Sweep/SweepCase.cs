namespace CloudLab.Tests.Infrastructure.Sweep;

/// <summary>Who sends a sweep's request: the value of its Authorization header (none for anonymous).</summary>
public sealed record SweepCaller(string Name, string? Authorization)
{
    /// <summary>A real, signed-in caller that endpoints serve, so a hostile value reaches their validation.</summary>
    public bool IsSignedIn { get; init; }
}

/// <summary>
/// One request of a sweep. <see cref="Build"/> makes a fresh message each time (a retried request gets new ids and
/// keys). <see cref="MustBeRefused"/>: a signed-in caller sending this must not get a 2xx.
/// </summary>
public sealed record SweepCase(
    SweepOperation Operation, string What, SweepCaller Caller, bool MustBeRefused, Func<HttpRequestMessage> Build)
{
    public override string ToString() => $"{Operation} [{What}] as {Caller.Name}";
}

/// <summary>What a case got: the final status (null when no answer came) and the start of the body.</summary>
public sealed record SweepOutcome(SweepCase Case, int? Status, string Body, int RateLimitRetries)
{
    /// <summary>How many 503/504 answers came (and were retried) before this one.</summary>
    public int UnavailableRetries { get; init; }

    public bool RefusedByRateLimiter =>
        Status == 429 && Body.Contains("\"limiter\"", StringComparison.Ordinal);

    public override string ToString() =>
        $"{(Status?.ToString() ?? "no answer")} {Case}: {Body[..Math.Min(Body.Length, 300)]}";
}
