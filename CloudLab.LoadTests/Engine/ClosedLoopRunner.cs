using System.Diagnostics;

namespace CloudLab.LoadTests.Engine;

/// <summary>
/// Capacity: a fixed number of connections, each sending its next request as soon as the last is answered, for a
/// fixed time. Its requests per second are the most the target serves on this machine with this driver; calibration
/// compares two of these in one run, so the ratio holds across machines of different speed.
/// </summary>
public sealed class ClosedLoopRunner(IHttpSender sender)
{
    public async Task<(double RequestsPerSecond, LatencyRecorder Latencies)> RunAsync(
        IWorkload workload, int connections, TimeSpan duration, CancellationToken cancellationToken)
    {
        var recorder = new LatencyRecorder();
        var deadline = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        long completed = 0;
        var started = Stopwatch.GetTimestamp();
        await Task.WhenAll(Enumerable.Range(0, connections).Select(async _ =>
        {
            while (Stopwatch.GetTimestamp() < deadline && !cancellationToken.IsCancellationRequested)
            {
                var sent = Stopwatch.GetTimestamp();
                using var request = workload.NextRequest();
                recorder.RecordResponse(sent, await sender.SendAsync(request, cancellationToken));

                Interlocked.Increment(ref completed);
            }
        }));
        var elapsed = Stopwatch.GetElapsedTime(started);
        recorder.CloseInterval();
        return (completed / elapsed.TotalSeconds, recorder);
    }
}
