using System.Threading.Channels;
using CloudLab.ServiceDefaults.Http;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace CloudLab.UserService.Domain;

public sealed class PasswordHashingOptions
{
    /// <summary>Dedicated hashing threads; 0 means one per CPU.</summary>
    public int Workers { get; set; }

    /// <summary>
    /// Hashes waiting for a worker; beyond this a log-in storm is answered 503 instead of queueing without bound.
    /// </summary>
    public int QueueLimit { get; set; } = 256;

    /// <summary>
    /// The hashing threads' Linux nice value (0 to 19; 0 leaves them as every other thread). With the PBKDF2 hasher a
    /// log-in hashed for about 100 ms of CPU on this project's 2-core test machine; at even priority ten log-ins a
    /// second took 0.9-1.2 of its two cores in the mixed workload (1,000 requests/s), and every other request queued
    /// behind them for the CPU. Raised, hashing takes the CPU the other requests leave, and a log-in waits longer under
    /// load instead. At 19 it got too little: 0.4 % of the mix failed (log-ins refused or unanswered).
    /// </summary>
    public int Niceness { get; set; } = 5;
}

/// <summary>
/// Password hashing (<see cref="Argon2idPasswordHasher"/>) on a fixed set of dedicated threads with a bounded queue.
/// Hashing is CPU- and memory-bound by design (~30 ms and 19 MiB per hash): run on the thread pool, a burst of log-ins
/// would starve every other request of threads; here it waits its turn, and a full queue is refused at once.
/// </summary>
public sealed class PasswordHashingPool : IDisposable
{
    private readonly Argon2idPasswordHasher _hasher = new();
    private readonly Channel<WorkItem> _queue;
    private readonly Thread[] _workers;

    public PasswordHashingPool(IOptions<PasswordHashingOptions> options)
    {
        var settings = options.Value;
        _queue = Channel.CreateBounded<WorkItem>(
            new BoundedChannelOptions(settings.QueueLimit) { FullMode = BoundedChannelFullMode.Wait });
        var workers = settings.Workers > 0 ? settings.Workers : Environment.ProcessorCount;
        _workers = Enumerable.Range(0, workers)
            .Select(index => new Thread(() => Work(settings.Niceness))
            {
                IsBackground = true,
                Name = $"password-hashing-{index}",
            })
            .ToArray();
        foreach (var worker in _workers)
        {
            worker.Start();
        }
    }

    public Task<string> HashAsync(string password) => Enqueue(() => _hasher.HashPassword(string.Empty, password));

    public Task<PasswordVerificationResult> VerifyAsync(string hash, string password) =>
        Enqueue(() => _hasher.VerifyHashedPassword(string.Empty, hash, password));

    public void Dispose() => _queue.Writer.TryComplete();

    private Task<T> Enqueue<T>(Func<T> work)
    {
        var item = new WorkItem<T>(work);
        return _queue.Writer.TryWrite(item)
            ? item.Completion
            : throw new ServiceBusyException(
                "Too many log-ins and registrations are waiting; retry in a moment.", TimeSpan.FromSeconds(1));
    }

    private void Work(int niceness)
    {
        if (niceness != 0)
        {
            // Where it cannot be set (not Linux), hashing runs at the priority of every other thread, as before.
            ThreadNiceness.TrySetForCurrentThread(niceness);
        }

        var reader = _queue.Reader;
        while (reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult())
        {
            while (reader.TryRead(out var item))
            {
                item.Run();
            }
        }
    }

    private abstract class WorkItem
    {
        public abstract void Run();
    }

    private sealed class WorkItem<T>(Func<T> work) : WorkItem
    {
        private readonly TaskCompletionSource<T> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task<T> Completion => _completion.Task;

        public override void Run()
        {
            try
            {
                _completion.SetResult(work());
            }
            catch (Exception exception)
            {
                _completion.SetException(exception);
            }
        }
    }
}
