using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Text;

namespace CloudLab.Tests.Infrastructure.Sweep;

/// <summary>
/// Sends a sweep's requests a few at a time. A 429 from the rate limiter is waited out (Retry-After) and retried, so
/// the limiter cannot stand in front of the handlers and hide what they would answer. A 503 or 504 (a dependency or a
/// budget failed: on two busy cores a valid order's payment call can time out) is retried a few times after a pause;
/// only one that persists is reported, so it is the request, not the moment, that earned it.
/// </summary>
public sealed class SweepRunner : IDisposable
{
    private const int MaxRateLimitRetries = 20;
    private const int MaxUnavailableRetries = 3;
    private static readonly TimeSpan UnavailablePause = TimeSpan.FromSeconds(1);
    private const int BodyKept = 4_000;
    private static readonly TimeSpan AnswerTimeout = TimeSpan.FromSeconds(30);

    private readonly SocketsHttpHandler _handler = new()
    {
        AllowAutoRedirect = false,
        UseCookies = false,
        // Non-ASCII header values go out as UTF-8 bytes, as a hostile client would send them (the default refuses).
        RequestHeaderEncodingSelector = (_, _) => Encoding.UTF8,
        PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
    };

    private readonly ConcurrentDictionary<string, HttpClient> _clients = new();
    private readonly Func<string, Uri> _baseAddress;

    public SweepRunner(Func<string, Uri> baseAddress) => _baseAddress = baseAddress;

    public async Task<IReadOnlyList<SweepOutcome>> RunAsync(IReadOnlyList<SweepCase> cases, int parallelism)
    {
        var outcomes = new SweepOutcome[cases.Count];
        await Parallel.ForEachAsync(
            Enumerable.Range(0, cases.Count),
            new ParallelOptions { MaxDegreeOfParallelism = parallelism },
            async (index, _) => outcomes[index] = await SendAsync(cases[index]));
        return outcomes;
    }

    public void Dispose()
    {
        foreach (var client in _clients.Values)
        {
            client.Dispose();
        }

        _handler.Dispose();
    }

    private async Task<SweepOutcome> SendAsync(SweepCase sweepCase)
    {
        var client = _clients.GetOrAdd(sweepCase.Operation.Service, service =>
            new HttpClient(_handler, disposeHandler: false) { BaseAddress = _baseAddress(service) });
        var unavailable = 0;
        for (var retries = 0; ; retries++)
        {
            using var request = sweepCase.Build();
            using var timeout = new CancellationTokenSource(AnswerTimeout);
            try
            {
                using var response = await client.SendAsync(request, timeout.Token);
                var body = await response.Content.ReadAsStringAsync(timeout.Token);
                var outcome = new SweepOutcome(
                    sweepCase, (int)response.StatusCode, body[..Math.Min(body.Length, BodyKept)], retries);
                if (outcome.Status is 503 or 504 && unavailable < MaxUnavailableRetries)
                {
                    unavailable++;
                    await Task.Delay(UnavailablePause);
                    continue;
                }

                if (!outcome.RefusedByRateLimiter || retries == MaxRateLimitRetries)
                {
                    return outcome with { UnavailableRetries = unavailable };
                }

                await Task.Delay(RetryAfter(response.Headers.RetryAfter));
            }
            catch (Exception exception) when (exception is HttpRequestException or OperationCanceledException)
            {
                return new SweepOutcome(sweepCase, null, $"{exception.GetType().Name}: {exception.Message}", retries)
                {
                    UnavailableRetries = unavailable,
                };
            }
        }
    }

    private static TimeSpan RetryAfter(RetryConditionHeaderValue? retryAfter) =>
        TimeSpan.FromMilliseconds(Math.Clamp(
            (retryAfter?.Delta ?? TimeSpan.FromSeconds(1)).TotalMilliseconds / 4 + Random.Shared.Next(50, 250),
            50,
            2_000));
}
