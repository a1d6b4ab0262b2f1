using CloudLab.ServiceDefaults.Jobs;
using Microsoft.Extensions.Logging.Abstractions;

namespace CloudLab.Tests.Unit;

/// <summary>
/// A recovery job must outlive any failure of one sweep: a faulted BackgroundService stops the host, and with it the
/// service's whole API.
/// </summary>
public sealed class PeriodicSweeperTests
{
    [Fact]
    public async Task A_sweep_that_fails_in_an_unexpected_way_is_logged_and_the_next_sweep_runs()
    {
        var sweeper = new FailingFirstSweeps(
            new TaskCanceledException("An HttpClient timeout, not the host stopping."),
            new InvalidOperationException("A bug."));
        using var stopping = new CancellationTokenSource();

        await sweeper.StartAsync(stopping.Token);
        var third = await Task.WhenAny(sweeper.ThirdSweep.Task, Task.Delay(TimeSpan.FromSeconds(30)));

        Assert.Same(sweeper.ThirdSweep.Task, third);
        Assert.False(sweeper.ExecuteTask!.IsCompleted); // still running, not faulted
        await sweeper.StopAsync(CancellationToken.None);
        Assert.True(sweeper.ExecuteTask.IsCompletedSuccessfully);
    }

    private sealed class FailingFirstSweeps(params Exception[] failures)
        : PeriodicSweeper(TimeSpan.FromMilliseconds(10), NullLogger.Instance)
    {
        private int _sweeps;

        public TaskCompletionSource ThirdSweep { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override Task SweepAsync(CancellationToken cancellationToken)
        {
            var sweep = Interlocked.Increment(ref _sweeps);
            if (sweep <= failures.Length)
            {
                throw failures[sweep - 1];
            }

            ThirdSweep.TrySetResult();
            return Task.CompletedTask;
        }
    }
}
