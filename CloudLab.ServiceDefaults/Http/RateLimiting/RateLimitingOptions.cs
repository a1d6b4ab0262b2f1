namespace CloudLab.ServiceDefaults.Http.RateLimiting;

/// <summary>Configuration section <c>RateLimiting</c>.</summary>
public sealed class RateLimitingOptions
{
    public bool Enabled { get; set; } = true;

    /// <summary>Layer 1: a token bucket per client (user id when authenticated, else IP address).</summary>
    public ClientLimits PerClient { get; set; } = new();

    /// <summary>Layer 2: load shedding when the service is overloaded (its latency passes a target).</summary>
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
    /// <summary>
    /// The p95 latency the service layer holds admitted requests to: past it, the bound on requests in flight shrinks
    /// and the excess is refused at once (429). The standard's ceiling for a p95 is 500 ms; 300 leaves room for the
    /// time a request waits before it reaches the limiter and on the way back. 0 keeps the bound fixed at
    /// <see cref="MaxConcurrentRequests"/>.
    /// </summary>
    public int LatencyTargetMilliseconds { get; set; } = 300;

    /// <summary>The bound never falls below this: a batching write path needs requests in flight to batch.</summary>
    public int MinConcurrentRequests { get; set; } = 16;

    /// <summary>
    /// Requests one instance works on at once at most, and the bound it starts from. 0 turns the service layer's
    /// bound (and its adaptation) off.
    /// </summary>
    public int MaxConcurrentRequests { get; set; } = 512;

    /// <summary>
    /// A fixed rate per instance on top, 0 (the default) for none. Off because a fixed rate is wrong both ways: the
    /// standard's burst rate admitted orders far faster than two cores place them (they queued for seconds), and
    /// refused cached reads the machine could still serve. Shedding on measured latency needs no rate.
    /// </summary>
    public int BurstPermitsPerSecond { get; set; }

    /// <summary>How many instances share a fixed rate (set by the AppHost from the replica count).</summary>
    public int Instances { get; set; } = 1;
}
