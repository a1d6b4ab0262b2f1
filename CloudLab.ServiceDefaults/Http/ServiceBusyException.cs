namespace CloudLab.ServiceDefaults.Http;

/// <summary>
/// A bounded resource (a worker pool, a queue) is full: answered 503 with Retry-After, never queued without bound.
/// </summary>
public sealed class ServiceBusyException(string message, TimeSpan retryAfter) : Exception(message)
{
    public TimeSpan RetryAfter { get; } = retryAfter;
}
