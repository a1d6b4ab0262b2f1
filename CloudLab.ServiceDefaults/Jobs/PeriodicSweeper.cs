using CloudLab.ServiceDefaults.Data;
using CloudLab.ServiceDefaults.Http;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace CloudLab.ServiceDefaults.Jobs;

/// <summary>
/// A background job that sweeps every <paramref name="interval"/>: finds work that was left unfinished (a saga that
/// stopped, a payment whose answer was lost) and finishes it. A sweep that meets an unavailable database, Redis or
/// dependency is tried again on the next tick, logged once per outage; any other failure is logged as an error and
/// also tried again: the job never dies, and never stops the service with it.
/// </summary>
public abstract class PeriodicSweeper(TimeSpan interval, ILogger logger) : BackgroundService
{
    protected ILogger Logger => logger;

    /// <summary>One sweep, as the timer runs it; public so tests can run one without waiting.</summary>
    public abstract Task SweepAsync(CancellationToken cancellationToken);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(interval);
        var failing = false;
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    await SweepAsync(stoppingToken);
                    failing = false;
                }
                catch (Exception exception) when (IsTransient(exception) && !stoppingToken.IsCancellationRequested)
                {
                    if (!failing)
                    {
                        logger.LogWarning("{Job} could not finish a sweep ({Reason}); it tries again every {Interval}",
                            GetType().Name, exception.Message, interval);
                        failing = true;
                    }
                }
                catch (Exception exception) when (!stoppingToken.IsCancellationRequested)
                {
                    // Anything else (a call timed out by its HttpClient, a bug) is logged and the next tick tries
                    // again. Let through, it would fault the job, and the host stops the whole service with it
                    // (BackgroundServiceExceptionBehavior.StopHost): one failed sweep would take the API down.
                    logger.LogError(exception, "{Job} failed a sweep; it tries again in {Interval}",
                        GetType().Name, interval);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private static bool IsTransient(Exception exception) =>
        exception is Npgsql.NpgsqlException
            or DatabaseTimeoutException
            or DependencyUnavailableException
            or RedisException;
}
