namespace CloudLab.ServiceDefaults.Http.RateLimiting;

/// <summary>Configuration section <c>RateLimiting</c>.</summary>
public sealed class RateLimitingOptions
{
    public bool Enabled { get; set; } = true;

    /// <summary>Layer 1: a token bucket per client (user id when authenticated, else IP address).</summary>
    public ClientLimits PerClient { get; set; } = new();

    /// <summary>Layer 2: load shedding at the service's burst capacity (the standard's RPS table).</summary>
    public ServiceLimits Service { get; set; } = new();
}

public sealed class ClientLimits
{
    public int AnonymousPermitsPerSecond { get; set; } = 50;

    public int AnonymousBurst { get; set; } = 100;

    public int AuthenticatedPermitsPerSecond { get; set; } = 200;

    public int AuthenticatedBurst { get; set; } = 400;

    /// <summary>
    /// Per calling service (a token with role <c>service</c>): a service's calls carry many customers' requests, in
    /// batches, so its bucket is sized for a service, not a person.
    /// </summary>
    public int ServicePermitsPerSecond { get; set; } = 5_000;

    public int ServiceBurst { get; set; } = 10_000;
}

public sealed class ServiceLimits
{
    /// <summary>The service's burst RPS. 0 turns load shedding off.</summary>
    public int BurstPermitsPerSecond { get; set; }

    /// <summary>How many instances share the service's capacity (set by the AppHost from the replica count).</summary>
    public int Instances { get; set; } = 1;

    /// <summary>
    /// Requests one instance works on at once. A service slower than its burst rate (the order saga on two cores) would
    /// otherwise queue until every request times out; past this bound the excess is refused at once. 0 turns it off.
    /// </summary>
    public int MaxConcurrentRequests { get; set; } = 512;
}
