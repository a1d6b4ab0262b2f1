using Polly;

namespace CloudLab.ServiceDefaults.Http;

public static class DependencyCall
{
    /// <summary>
    /// Runs a call to another service; when it cannot be answered (down, timed out, circuit open, too many calls in
    /// flight: every <see cref="ExecutionRejectedException"/> of the resilience pipeline) it becomes a
    /// <see cref="DependencyUnavailableException"/> (503).
    /// </summary>
    public static async Task<T> GuardAsync<T>(string dependency, Func<Task<T>> call)
    {
        try
        {
            return await call();
        }
        catch (Exception exception) when (exception is HttpRequestException or ExecutionRejectedException)
        {
            throw new DependencyUnavailableException($"{dependency} did not answer.", exception);
        }
    }
}
