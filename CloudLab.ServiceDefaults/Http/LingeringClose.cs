using System.IO.Pipelines;
using Microsoft.AspNetCore.Connections;

namespace CloudLab.ServiceDefaults.Http;

/// <summary>
/// Reads and discards what a client is still sending before Kestrel closes the connection. Kestrel refuses a request
/// line or headers over its limits (414, 431) or a body over 10 MB (413) without reading the rest, and closes at once.
/// Closing a socket with unread bytes sends a reset, which can reach the client before it has read the refusal: the
/// client then sees "connection reset" instead of the status (1 in ~50 requests with a 100 KB query in the hostile
/// sweep). nginx does the same ("lingering close"). Bounded in time and bytes, so a client that keeps sending cannot
/// hold the connection.
/// </summary>
internal static class LingeringClose
{
    internal static readonly TimeSpan MaxLinger = TimeSpan.FromSeconds(2);
    internal const long MaxDrainedBytes = 16 * 1024 * 1024;

    public static ConnectionDelegate Middleware(ConnectionDelegate next) => async connection =>
    {
        await next(connection);
        await DrainAsync(connection.Transport.Input, connection.ConnectionClosed);
    };

    internal static async Task DrainAsync(PipeReader input, CancellationToken connectionClosed)
    {
        using var linger = CancellationTokenSource.CreateLinkedTokenSource(connectionClosed);
        linger.CancelAfter(MaxLinger);
        long drained = 0;
        try
        {
            while (drained <= MaxDrainedBytes)
            {
                var result = await input.ReadAsync(linger.Token);
                drained += result.Buffer.Length;
                input.AdvanceTo(result.Buffer.End);
                if (result.IsCompleted || result.IsCanceled)
                {
                    return;
                }
            }
        }
        catch (Exception exception) when (exception is OperationCanceledException or IOException
            or InvalidOperationException)
        {
            // Out of time, reset by the client, or the protocol already completed the input: close as Kestrel would.
        }
    }
}
