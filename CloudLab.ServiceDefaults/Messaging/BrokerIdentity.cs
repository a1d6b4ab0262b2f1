using StackExchange.Redis;

namespace CloudLab.ServiceDefaults.Messaging;

/// <summary>
/// The run id of the Redis server the app is connected to. A new run id means the server restarted, and a restart
/// after a crash loses what the server had not yet synced to disk. The id is read again only after the connection was
/// restored, so a publish costs nothing extra. <see cref="Restored"/> lets loops that wait after a failure wake as
/// soon as Redis answers again instead of at the end of their pause.
/// </summary>
public sealed class BrokerIdentity : IDisposable
{
    private readonly IConnectionMultiplexer _redis;
    private TaskCompletionSource _restored = NewSignal();
    private volatile bool _stale = true;
    private string? _runId;

    public BrokerIdentity(IConnectionMultiplexer redis)
    {
        _redis = redis;
        _redis.ConnectionRestored += OnConnectionRestored;
    }

    /// <summary>Completes the next time a connection to Redis is restored.</summary>
    public Task Restored => _restored.Task;

    /// <summary>The connected server's run id, read from <c>INFO server</c> when it may have changed.</summary>
    public async Task<string> RunIdAsync()
    {
        if (!_stale && _runId is { } known)
        {
            return known;
        }

        _stale = false;
        var server = _redis.GetServers().FirstOrDefault(server => server.IsConnected)
            ?? throw new RedisConnectionException(
                ConnectionFailureType.UnableToConnect, "No Redis server is connected.");
        var info = await server.InfoAsync("server");
        var runId = info.SelectMany(group => group).FirstOrDefault(pair => pair.Key == "run_id").Value
            ?? throw new RedisException("INFO server did not report a run_id.");
        _runId = runId;
        return runId;
    }

    public void Dispose()
    {
        _redis.ConnectionRestored -= OnConnectionRestored;
    }

    private void OnConnectionRestored(object? sender, ConnectionFailedEventArgs args)
    {
        _stale = true;
        Interlocked.Exchange(ref _restored, NewSignal()).TrySetResult();
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
