using System.Buffers;
using System.Buffers.Text;
using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Text;

namespace CloudLab.LoadTests.Engine;

/// <summary>Sends a request and returns its status code (0 when no answer came).</summary>
public interface IHttpSender : IDisposable
{
    ValueTask<int> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken);
}

/// <summary>
/// A lean HTTP/1.1 client for the driver: keep-alive sockets, requests written as bytes, responses read just far enough
/// to know their status and where they end. HttpClient costs several times more CPU per request, and on two cores
/// shared with the app under test the driver's CPU is taken straight from the app (the same reason wrk is written
/// in C).
/// </summary>
public sealed class RawHttpSender(int maxConnectionsPerHost) : IHttpSender
{
    private const long MaxIdleMilliseconds = 60_000;

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? _head;

    private readonly ConcurrentDictionary<string, ConcurrentBag<Connection>> _idle = new();
    private int _open;

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<int> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var uri = request.RequestUri ?? throw new ArgumentException("The request has no URI.");
        var bytes = Serialize(request, uri);
        var pool = _idle.GetOrAdd($"{uri.Host}:{uri.Port}", _ => []);
        for (var attempt = 0; ; attempt++)
        {
            var reused = TakeIdle(pool);
            var connection = reused ?? await OpenAsync(uri, cancellationToken);
            if (connection is null)
            {
                return 0;
            }

            try
            {
                var (status, reusable) = await connection.ExchangeAsync(bytes, cancellationToken);
                if (reusable)
                {
                    connection.IdleSince = Environment.TickCount64;
                    pool.Add(connection);
                }
                else
                {
                    Close(connection);
                }

                return status;
            }
            catch (Exception exception) when (
                exception is SocketException or IOException or OperationCanceledException or InvalidDataException)
            {
                Close(connection);
                // The server closed a kept-alive connection while it sat in the pool: nothing was answered, so the
                // request goes once more on a fresh connection (as HttpClient does). Anything else is an error.
                if (reused is null
                    || !connection.NothingReceived
                    || attempt > 0
                    || cancellationToken.IsCancellationRequested)
                {
                    return 0;
                }
            }
        }
    }

    /// <summary>
    /// A pooled connection, skipping those idle long enough for the server to close them (Kestrel: 130 s).
    /// </summary>
    private Connection? TakeIdle(ConcurrentBag<Connection> pool)
    {
        while (pool.TryTake(out var connection))
        {
            if (Environment.TickCount64 - connection.IdleSince < MaxIdleMilliseconds)
            {
                return connection;
            }

            Close(connection);
        }

        return null;
    }

    public void Dispose()
    {
        foreach (var connection in _idle.Values.SelectMany(pool => pool))
        {
            connection.Dispose();
        }
    }

    private async ValueTask<Connection?> OpenAsync(Uri uri, CancellationToken cancellationToken)
    {
        if (Interlocked.Increment(ref _open) > maxConnectionsPerHost * 5)
        {
            Interlocked.Decrement(ref _open);
            return null;
        }

        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(uri.Host, uri.Port, cancellationToken);
            return new Connection(socket);
        }
        catch (Exception exception) when (exception is SocketException or OperationCanceledException)
        {
            socket.Dispose();
            Interlocked.Decrement(ref _open);
            return null;
        }
    }

    private void Close(Connection connection)
    {
        connection.Dispose();
        Interlocked.Decrement(ref _open);
    }

    /// <summary>
    /// The request as HTTP/1.1 bytes: headers as they were added (unvalidated values are not parsed and formatted
    /// again), a <see cref="JsonBody"/> copied as it is, the head written into a buffer each thread reuses.
    /// </summary>
    internal static byte[] Serialize(HttpRequestMessage request, Uri uri)
    {
        var body = request.Content switch
        {
            null => [],
            JsonBody json => json.Utf8,
            var content => content.ReadAsByteArrayAsync().GetAwaiter().GetResult(),
        };
        var head = _head ??= new ArrayBufferWriter<byte>(1024);
        head.ResetWrittenCount();
        Write(head, request.Method.Method, " ", uri.PathAndQuery, " HTTP/1.1\r\nHost: ", uri.Authority, "\r\n");
        foreach (var (name, values) in request.Headers.NonValidated)
        {
            Write(head, name, ": ", values.ToString(), "\r\n");
        }

        if (request.Content is not null)
        {
            foreach (var (name, values) in request.Content.Headers.NonValidated)
            {
                if (!name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
                {
                    Write(head, name, ": ", values.ToString(), "\r\n");
                }
            }

            Write(head, "Content-Length: ");
            Utf8Formatter.TryFormat(body.Length, head.GetSpan(11), out var digits);
            head.Advance(digits);
            Write(head, "\r\n");
        }

        Write(head, "\r\n");
        var bytes = new byte[head.WrittenCount + body.Length];
        head.WrittenSpan.CopyTo(bytes);
        body.CopyTo(bytes.AsSpan(head.WrittenCount));
        return bytes;
    }

    private static void Write(ArrayBufferWriter<byte> head, params ReadOnlySpan<string> parts)
    {
        foreach (var part in parts)
        {
            Encoding.ASCII.GetBytes(part, head);
        }
    }

    /// <summary>One keep-alive connection: a request, then its whole response, then the next request.</summary>
    private sealed class Connection(Socket socket) : IDisposable
    {
        private static readonly byte[] HeadEnd = "\r\n\r\n"u8.ToArray();
        private static readonly byte[] LineEnd = "\r\n"u8.ToArray();

        private byte[] _buffer = ArrayPool<byte>.Shared.Rent(16 * 1024);
        private int _position;
        private int _filled;

        public long IdleSince { get; set; } = Environment.TickCount64;

        /// <summary>True when the last exchange failed before any byte of a response arrived.</summary>
        public bool NothingReceived => _filled == 0;

        [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
        public async ValueTask<(int Status, bool Reusable)> ExchangeAsync(
            byte[] request, CancellationToken cancellationToken)
        {
            (_position, _filled) = (0, 0);
            await socket.SendAsync(request, SocketFlags.None, cancellationToken);
            var headEnd = await FindAsync(HeadEnd, cancellationToken);
            var (status, contentLength, chunked, close) = ParseHead(_buffer.AsSpan(_position, headEnd - _position));
            _position = headEnd + 4;
            if (chunked)
            {
                while (true)
                {
                    var lineEnd = await FindAsync(LineEnd, cancellationToken);
                    var line = _buffer.AsSpan(_position, lineEnd - _position);
                    var extension = line.IndexOf((byte)';');
                    if (!Utf8Parser.TryParse(extension >= 0 ? line[..extension] : line, out long size, out _, 'x'))
                    {
                        throw new InvalidDataException("Bad chunk size.");
                    }

                    _position = lineEnd + 2;
                    // The chunk and its CRLF (for the last chunk: the empty trailer line).
                    await SkipAsync(size + 2, cancellationToken);
                    if (size == 0)
                    {
                        break;
                    }
                }
            }
            else
            {
                await SkipAsync(contentLength, cancellationToken);
            }

            return (status, !close);
        }

        /// <summary>
        /// Reads until <paramref name="marker"/> is in the buffer after the current position; returns its index.
        /// </summary>
        [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
        private async ValueTask<int> FindAsync(byte[] marker, CancellationToken cancellationToken)
        {
            int found;
            while ((found = _buffer.AsSpan(_position, _filled - _position).IndexOf(marker)) < 0)
            {
                await ReceiveAsync(cancellationToken);
            }

            return _position + found;
        }

        /// <summary>Consumes <paramref name="count"/> bytes (a body), reading what has not arrived yet.</summary>
        [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
        private async ValueTask SkipAsync(long count, CancellationToken cancellationToken)
        {
            while (count > 0)
            {
                if (_position == _filled)
                {
                    await ReceiveAsync(cancellationToken);
                }

                var take = (int)Math.Min(count, _filled - _position);
                _position += take;
                count -= take;
            }
        }

        [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
        private async ValueTask ReceiveAsync(CancellationToken cancellationToken)
        {
            if (_position > 0)
            {
                // Keep only what is not consumed yet, at the start of the buffer.
                _buffer.AsSpan(_position, _filled - _position).CopyTo(_buffer);
                (_filled, _position) = (_filled - _position, 0);
            }

            if (_filled == _buffer.Length)
            {
                var larger = ArrayPool<byte>.Shared.Rent(_buffer.Length * 2);
                _buffer.AsSpan(0, _filled).CopyTo(larger);
                ArrayPool<byte>.Shared.Return(_buffer);
                _buffer = larger;
            }

            var read = await socket.ReceiveAsync(_buffer.AsMemory(_filled), SocketFlags.None, cancellationToken);
            _filled += read == 0 ? throw new IOException("The server closed the connection.") : read;
        }

        private static (int Status, int ContentLength, bool Chunked, bool Close) ParseHead(ReadOnlySpan<byte> head)
        {
            if (head.Length < 12 || !Utf8Parser.TryParse(head.Slice(9, 3), out int status, out _))
            {
                throw new InvalidDataException("Not an HTTP/1.1 response.");
            }

            var contentLength = 0;
            bool chunked = false, close = false;
            foreach (var range in head.Split("\r\n"u8))
            {
                var line = head[range];
                var colon = line.IndexOf((byte)':');
                if (colon <= 0)
                {
                    continue;
                }

                var name = line[..colon];
                var value = line[(colon + 1)..].Trim((byte)' ');
                if (Ascii.EqualsIgnoreCase(name, "Content-Length"u8)
                    && !Utf8Parser.TryParse(value, out contentLength, out _))
                {
                    throw new InvalidDataException("Bad Content-Length.");
                }
                else if (Ascii.EqualsIgnoreCase(name, "Transfer-Encoding"u8))
                {
                    chunked = value.IndexOf("chunked"u8) >= 0;
                }
                else if (Ascii.EqualsIgnoreCase(name, "Connection"u8))
                {
                    close = Ascii.EqualsIgnoreCase(value, "close"u8);
                }
            }

            return (status, contentLength, chunked, close);
        }

        public void Dispose()
        {
            socket.Dispose();
            ArrayPool<byte>.Shared.Return(_buffer);
        }
    }
}

/// <summary>The same through HttpClient (--client httpclient), for comparison.</summary>
public sealed class HttpClientSender(HttpClient client) : IHttpSender
{
    public async ValueTask<int> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await client.SendAsync(
                request, HttpCompletionOption.ResponseContentRead, cancellationToken);
            return (int)response.StatusCode;
        }
        catch (Exception exception) when (exception is HttpRequestException or OperationCanceledException)
        {
            return 0;
        }
    }

    public void Dispose()
    {
    }
}
