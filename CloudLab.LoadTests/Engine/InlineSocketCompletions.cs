using System.Diagnostics;

namespace CloudLab.LoadTests.Engine;

/// <summary>
/// The driver handles each answer on the socket engine's own thread instead of queueing it to the thread pool. The
/// driver's work per answer is short and never blocks (find the status, record the latency, pool the connection), and
/// the latency is read when the answer is handled: behind a thread-pool queue shared with the sends, every request's
/// measured latency grew by the queue's wait. The runtime reads the setting once, from the environment, when the first
/// socket is made. The app the driver starts runs as it would without the driver: the services answer on the thread
/// pool (with inline completions in the services, ProductService stopped answering: round 15).
/// </summary>
internal static class InlineSocketCompletions
{
    internal const string Variable = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";

    /// <summary>The setting the driver was started with (normally none), read by <see cref="Enable"/>.</summary>
    private static string? _startedWith;

    /// <summary>Call first, before any socket is made.</summary>
    public static void Enable()
    {
        // Read here, not in a static initializer: one that runs lazily would read the value set below, and the
        // app would inherit it (every order answered 503 in two burst runs).
        _startedWith = Environment.GetEnvironmentVariable(Variable);
        Environment.SetEnvironmentVariable(Variable, "1");
    }

    /// <summary>Gives a process the driver starts the setting the driver itself was started with.</summary>
    public static void KeepFrom(ProcessStartInfo start) => KeepFrom(start, _startedWith);

    internal static void KeepFrom(ProcessStartInfo start, string? startedWith)
    {
        if (startedWith is null)
        {
            start.Environment.Remove(Variable);
        }
        else
        {
            start.Environment[Variable] = startedWith;
        }
    }
}
