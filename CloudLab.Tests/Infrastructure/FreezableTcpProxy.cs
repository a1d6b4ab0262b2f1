using System.Net;
using System.Net.Sockets;

namespace CloudLab.Tests.Infrastructure;

/// <summary>
/// A TCP proxy that can stop passing bytes on and start again: in front of Redis, a hung Redis (as with SIGSTOP),
/// whose connections stay open and whose answers never come, for one client and not for the Redis other tests share.
/// </summary>
public sealed class FreezableTcpProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly string _upstreamHost;
    private readonly int _upstreamPort;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;
    private volatile TaskCompletionSource _flowing = Flowing();

    public FreezableTcpProxy(string upstreamHost, int upstreamPort)
    {
        _upstreamHost = upstreamHost;
        _upstreamPort = upstreamPort;
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>Bytes read from either side from now on are held until <see cref="Thaw"/>.</summary>
    public void Freeze() => _flowing = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Thaw() => _flowing.TrySetResult();

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting;
        _stop.Dispose();
    }

    private static TaskCompletionSource Flowing()
    {
        var flowing = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        flowing.SetResult();
        return flowing;
    }

    private async Task AcceptAsync()
    {
        try
        {
            while (true)
            {
                var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                _ = ConnectAsync(client);
            }
        }
        catch (Exception exception) when (exception is OperationCanceledException or SocketException)
        {
        }
    }

    private async Task ConnectAsync(TcpClient client)
    {
        using (client)
        using (var upstream = new TcpClient())
        {
            try
            {
                await upstream.ConnectAsync(_upstreamHost, _upstreamPort, _stop.Token);
                await Task.WhenAny(
                    PumpAsync(client.GetStream(), upstream.GetStream()),
                    PumpAsync(upstream.GetStream(), client.GetStream()));
            }
            catch (Exception exception) when (exception is OperationCanceledException or IOException
                or SocketException or ObjectDisposedException)
            {
            }
        }
    }

    private async Task PumpAsync(Stream from, Stream to)
    {
        var buffer = new byte[16 * 1024];
        int read;
        while ((read = await from.ReadAsync(buffer, _stop.Token)) > 0)
        {
            await _flowing.Task.WaitAsync(_stop.Token);
            await to.WriteAsync(buffer.AsMemory(0, read), _stop.Token);
        }
    }
}
