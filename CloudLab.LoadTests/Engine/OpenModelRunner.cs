using System.Diagnostics;

namespace CloudLab.LoadTests.Engine;

public sealed record OpenModelOptions(int MaxInFlight, TimeSpan RequestTimeout);

/// <summary>
/// Sends requests at a constant arrival rate, whether or not earlier ones have finished (an open model). Each request
/// has an intended send time (start + n / rate); its latency is measured from that time, so a slow server or a late
/// driver shows up in the numbers instead of silently lowering the rate (no coordinated omission). In-flight requests
/// are bounded: past the bound a request is counted as failed and reported as driver saturation.
/// </summary>
public sealed class OpenModelRunner(IHttpSender sender, OpenModelOptions options)
{
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(1);

    public async Task<LatencyRecorder> RunAsync(
        IWorkload workload,
        IReadOnlyList<Phase> phases,
        Action<IntervalStats>? onSecond,
        CancellationToken cancellationToken)
    {
        var recorder = new LatencyRecorder();
        using var clock = new Timer(
            _ => onSecond?.Invoke(recorder.CloseInterval()), null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
        var inFlight = 0;
        var pending = new List<Task>();

        foreach (var phase in phases)
        {
            var start = Stopwatch.GetTimestamp();
            var interval = Stopwatch.Frequency / phase.RatePerSecond;
            var total = (long)(phase.RatePerSecond * phase.Duration.TotalSeconds);
            long sent = 0;
            while (sent < total && !cancellationToken.IsCancellationRequested)
            {
                var due = Math.Min(total, (long)((Stopwatch.GetTimestamp() - start) / interval) + 1);
                for (; sent < due; sent++)
                {
                    var intended = start + (long)(sent * interval);
                    if (Volatile.Read(ref inFlight) >= options.MaxInFlight)
                    {
                        recorder.RecordDriverSkip();
                        continue;
                    }

                    Interlocked.Increment(ref inFlight);
                    recorder.RecordSendLag(intended);
                    var task = SendAsync(
                        workload.NextRequest(), intended, recorder, () => Interlocked.Decrement(ref inFlight));
                    if (!task.IsCompleted)
                    {
                        pending.Add(task);
                    }
                }

                if (pending.Count > 4096)
                {
                    pending.RemoveAll(task => task.IsCompleted);
                }

                await Task.Delay(Tick, CancellationToken.None);
            }
        }

        await Task.WhenAll(pending);
        recorder.CloseInterval();
        return recorder;
    }

    private async Task SendAsync(HttpRequestMessage request, long intended, LatencyRecorder recorder, Action done)
    {
        try
        {
            using var timeout = new CancellationTokenSource(options.RequestTimeout);
            recorder.RecordResponse(intended, await sender.SendAsync(request, timeout.Token));
        }
        finally
        {
            request.Dispose();
            done();
        }
    }
}
