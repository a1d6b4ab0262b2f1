using CloudLab.ServiceDefaults.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Microsoft.Extensions.Hosting;

public static class ServiceClientExtensions
{
    /// <summary>
    /// A typed client for another CloudLab service, found by service discovery (<c>http://{serviceName}</c>), calling
    /// with this service's own token for that service, under the standard resilience handler tuned to
    /// <paramref name="budget"/>.
    /// Retries include POSTs: every CloudLab write between services is idempotent (order id or Idempotency-Key).
    /// </summary>
    public static IHttpClientBuilder AddServiceClient<TClient>(
        this IServiceCollection services, string serviceName, CallBudget budget)
        where TClient : class =>
        services.AddServiceClient<TClient, TClient>(serviceName, budget);

    /// <inheritdoc cref="AddServiceClient{TClient}"/>
    public static IHttpClientBuilder AddServiceClient<TClient, TImplementation>(
        this IServiceCollection services, string serviceName, CallBudget budget)
        where TClient : class
        where TImplementation : class, TClient
    {
        return services
            .AddHttpClient<TClient, TImplementation>(http => http.BaseAddress = new Uri($"http://{serviceName}"))
            .WithServiceToken(serviceName)
            .WithCallBudget(budget);
    }

    /// <summary>Replaces the default resilience handler with one whose timeouts fit this dependency.</summary>
    public static IHttpClientBuilder WithCallBudget(this IHttpClientBuilder client, CallBudget budget)
    {
        // RemoveAllResilienceHandlers is experimental; it is how a client opts out of the default handler.
#pragma warning disable EXTEXP0001
        client.RemoveAllResilienceHandlers();
#pragma warning restore EXTEXP0001
        client.AddStandardResilienceHandler(resilience =>
        {
            resilience.AttemptTimeout.Timeout = budget.AttemptTimeout;
            resilience.TotalRequestTimeout.Timeout = budget.TotalTimeout;
            resilience.Retry.MaxRetryAttempts = budget.Retries;
            resilience.Retry.Delay = TimeSpan.FromMilliseconds(50);
            resilience.CircuitBreaker.SamplingDuration =
                TimeSpan.FromSeconds(Math.Max(10, 2 * budget.AttemptTimeout.TotalSeconds));
            // Open only when half the calls fail: on two busy cores a tenth of calls running late is load, not an
            // outage, and an open circuit then turned a slow minute into a failed one (measured in the order load
            // test).
            resilience.CircuitBreaker.FailureRatio = 0.5;
        });
        return client;
    }
}
