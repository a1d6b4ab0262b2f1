using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Threading.Channels;
using CloudLab.ServiceDefaults.Telemetry;

namespace CloudLab.ServiceDefaults.Batching;

/// <summary>
/// Natural batching, as databases do group commit: each caller submits one request and awaits its own result; a loop
/// takes everything waiting (up to <see cref="BatchingStage.MaxBatchSize"/>) as soon as its previous batch is done and
/// runs it as one call. There is no timer: an idle service runs a batch of one at once, and batches grow only with the
/// load, so fixed costs (a transaction, an fsync, an HTTP exchange) are paid per batch instead of per request.
/// </summary>
/// <remarks>
/// The batch function returns one result per request, in order. If it throws, every request of that batch gets the
/// exception: callers treat it as they would the failure of their own call. Hand-rolled because no library in the
/// package feed does this without a linger timer, which would add latency at low load.
/// </remarks>
public sealed class NaturalBatcher<TRequest, TResult> : IAsyncDisposable
{
    private readonly Channel<Pending> _queue = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions
    {
        SingleReader = false,
        SingleWriter = false,
    });

    private readonly Func<IReadOnlyList<TRequest>, CancellationToken, Task<IReadOnlyList<TResult>>> _run;
    private readonly BatchingStage _stage;
    private readonly Histogram<int>? _sizes;
    private readonly Histogram<double>? _waits;
    private readonly Histogram<double>? _durations;
    private readonly KeyValuePair<string, object?> _stageTag;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task[] _loops;

    /// <summary>
    /// Held while a group is queued (<see cref="SubmitTogether"/>) and while a loop takes what waits.
    /// </summary>
    private readonly Lock _groups = new();

    public NaturalBatcher(
        BatchingStage stage,
        Func<IReadOnlyList<TRequest>, CancellationToken, Task<IReadOnlyList<TResult>>> run,
        IMeterFactory? meterFactory = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(stage.MaxBatchSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(stage.ConcurrentBatches, 1);
        _stage = stage;
        _run = run;
        _stageTag = new KeyValuePair<string, object?>("stage", stage.Name);
        var meter = meterFactory?.Create(CloudLabMeters.Batching);
        _sizes = meter?.CreateHistogram<int>(
            "write_batch_size",
            unit: "{request}",
            description: "Requests served by one batch, by stage.",
            advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512] });
        // A request's time in a stage is its wait for a batch to take it plus that batch's run: the two tell a stage
        // short of loops (waits grow) from a slow one (runs grow).
        _waits = meter?.CreateHistogram<double>(
            "write_batch_wait_seconds",
            unit: "s",
            description: "Time a request waited in the queue until a batch took it, by stage.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = CloudLabMeters.LatencyBuckets });
        _durations = meter?.CreateHistogram<double>(
            "write_batch_duration_seconds",
            unit: "s",
            description: "Time one batch took to run, by stage.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = CloudLabMeters.LatencyBuckets });
        _loops = Enumerable.Range(0, stage.ConcurrentBatches).Select(_ => Task.Run(RunLoopAsync)).ToArray();
    }

    /// <summary>
    /// Queues <paramref name="request"/> for the next batch and returns its own result. If
    /// <paramref name="cancellationToken"/> fires while the request still waits, it is left out of the batches and
    /// its task is cancelled; once a batch has taken it, it runs to the end (its result may already be committed).
    /// </summary>
    /// <remarks>
    /// Why: after a dependency stall (a frozen PostgreSQL) the queues hold requests whose callers have given up. Run
    /// anyway, they kept the stages busy for seconds after the stall had ended while new requests waited behind them.
    /// </remarks>
    public Task<TResult> SubmitAsync(TRequest request, CancellationToken cancellationToken = default)
    {
        var pending = new Pending(request);
        if (cancellationToken.CanBeCanceled)
        {
            pending.Abandon = cancellationToken.Register(
                static state => ((Pending)state!).Result.TrySetCanceled(), pending);
        }

        if (!_queue.Writer.TryWrite(pending))
        {
            pending.Abandon.Dispose();
            throw new ObjectDisposedException(GetType().Name, $"The {_stage.Name} stage has stopped.");
        }

        return pending.Result.Task;
    }

    /// <summary>
    /// Queues <paramref name="requests"/> as one group: a loop takes none of them or all of them (a group larger than
    /// the room left in a batch goes on into the next). One result per request, in order, each as
    /// <see cref="SubmitAsync"/> would give it.
    /// </summary>
    /// <remarks>
    /// Why: a caller that hands in a batch of its own (one call from another service's batch) submitted its requests
    /// one by one, and a loop woken by the first took a few of them and ran them alone, the rest in the next batch,
    /// after the first had committed. Under the write path's target load, 9 % of such a stage's batches held one
    /// request against 2 % of the caller's batches, and the stage ran 6 % more batches (write-path round 27).
    /// </remarks>
    public IReadOnlyList<Task<TResult>> SubmitTogether(
        IEnumerable<TRequest> requests, CancellationToken cancellationToken = default)
    {
        var results = new List<Task<TResult>>();
        lock (_groups)
        {
            foreach (var request in requests)
            {
                results.Add(SubmitAsync(request, cancellationToken));
            }
        }

        return results;
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _stopping.CancelAsync();
        await Task.WhenAll(_loops);
        while (_queue.Reader.TryRead(out var left))
        {
            left.Result.TrySetCanceled();
        }

        _stopping.Dispose();
    }

    private async Task RunLoopAsync()
    {
        var batch = new List<Pending>(_stage.MaxBatchSize);
        var requests = new List<TRequest>(_stage.MaxBatchSize);
        var taken = new List<Pending>(_stage.MaxBatchSize);
        try
        {
            while (await _queue.Reader.WaitToReadAsync(_stopping.Token))
            {
                while (batch.Count < _stage.MaxBatchSize && TakeWaiting(taken, _stage.MaxBatchSize - batch.Count))
                {
                    foreach (var pending in taken)
                    {
                        // After this, cancellation no longer reaches the request; if it came first, the caller is gone.
                        pending.Abandon.Dispose();
                        if (pending.Result.Task.IsCompleted)
                        {
                            continue;
                        }

                        _waits?.Record(Stopwatch.GetElapsedTime(pending.Submitted).TotalSeconds, _stageTag);
                        batch.Add(pending);
                        requests.Add(pending.Request);
                    }

                    taken.Clear();
                }

                if (batch.Count == 0)
                {
                    continue; // another loop took them
                }

                await RunBatchAsync(batch, requests);
                batch.Clear();
                requests.Clear();
            }
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            foreach (var pending in batch)
            {
                pending.Result.TrySetCanceled();
            }
        }
    }

    /// <summary>Up to <paramref name="room"/> waiting requests, never part of a group still being queued.</summary>
    private bool TakeWaiting(List<Pending> taken, int room)
    {
        lock (_groups)
        {
            while (taken.Count < room && _queue.Reader.TryRead(out var pending))
            {
                taken.Add(pending);
            }
        }

        return taken.Count > 0;
    }

    private async Task RunBatchAsync(List<Pending> batch, List<TRequest> requests)
    {
        _sizes?.Record(batch.Count, _stageTag);
        var started = Stopwatch.GetTimestamp();
        try
        {
            var results = await _run(requests, _stopping.Token);
            if (results.Count != batch.Count)
            {
                throw new InvalidOperationException(
                    $"The {_stage.Name} stage returned {results.Count} results for {batch.Count} requests.");
            }

            for (var i = 0; i < batch.Count; i++)
            {
                batch[i].Result.TrySetResult(results[i]);
            }
        }
        catch (Exception exception)
        {
            foreach (var pending in batch)
            {
                pending.Result.TrySetException(exception);
            }
        }
        finally
        {
            _durations?.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, _stageTag);
        }
    }

    private sealed class Pending(TRequest request)
    {
        public TRequest Request { get; } = request;

        public long Submitted { get; } = Stopwatch.GetTimestamp();

        /// <summary>Cancels the waiting request when its caller gives up; disposed when a batch takes it.</summary>
        public CancellationTokenRegistration Abandon { get; set; }

        /// <summary>Continuations run on the thread pool, not inside the batch loop that completes them.</summary>
        public TaskCompletionSource<TResult> Result { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}

/// <summary>
/// A batching stage: its name (the <c>stage</c> tag of <c>write_batch_size</c>), the most requests one batch takes,
/// and how many batches may run at once (more than one lets a stage that waits on I/O start the next batch meanwhile).
/// </summary>
public sealed record BatchingStage(string Name, int MaxBatchSize = 256, int ConcurrentBatches = 1);
