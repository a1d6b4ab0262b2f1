using System.Buffers;
using System.IO.Pipelines;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace CloudLab.ServiceDefaults.Http;

/// <summary>
/// Holds back the first bytes of a response. A body that ends below the threshold is sent with a Content-Length,
/// which tells the compression provider it is too small to compress; a larger body is passed through as it is written.
/// ASP.NET Core's response compression has no minimum size of its own, and minimal APIs stream JSON without a length.
/// </summary>
internal sealed class SmallResponseBodyFeature(IHttpResponseBodyFeature inner, HttpResponse response, int threshold)
    : PipeWriter, IHttpResponseBodyFeature
{
    private byte[]? _buffer;
    private int _length;
    private bool _passThrough;
    private Stream? _stream;

    public Stream Stream => _stream ??= AsStream(leaveOpen: true);

    public PipeWriter Writer => this;

    public override bool CanGetUnflushedBytes => !_passThrough || inner.Writer.CanGetUnflushedBytes;

    public override long UnflushedBytes => _passThrough ? inner.Writer.UnflushedBytes : _length;

    public override Memory<byte> GetMemory(int sizeHint = 0)
    {
        if (_passThrough || (_length >= threshold && PassThrough()))
        {
            return inner.Writer.GetMemory(sizeHint);
        }

        EnsureCapacity(Math.Max(sizeHint, 256));
        return _buffer.AsMemory(_length);
    }

    public override Span<byte> GetSpan(int sizeHint = 0) => GetMemory(sizeHint).Span;

    public override void Advance(int bytes)
    {
        if (_passThrough)
        {
            inner.Writer.Advance(bytes);
        }
        else
        {
            _length += bytes;
        }
    }

    public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default)
    {
        if (!_passThrough && _length < threshold)
        {
            return ValueTask.FromResult(new FlushResult(isCanceled: false, isCompleted: false));
        }

        PassThrough();
        return inner.Writer.FlushAsync(cancellationToken);
    }

    public override void CancelPendingFlush() => inner.Writer.CancelPendingFlush();

    public override void Complete(Exception? exception = null)
    {
        // The server completes the real writer when the response ends.
    }

    public void DisableBuffering()
    {
        PassThrough();
        inner.DisableBuffering();
    }

    public Task StartAsync(CancellationToken cancellationToken = default) =>
        _passThrough ? inner.StartAsync(cancellationToken) : Task.CompletedTask;

    public Task SendFileAsync(string path, long offset, long? count, CancellationToken cancellationToken = default)
    {
        PassThrough();
        return inner.SendFileAsync(path, offset, count, cancellationToken);
    }

    public async Task CompleteAsync()
    {
        await FinishAsync();
        await inner.CompleteAsync();
    }

    /// <summary>Sends what is still held back, with its length, once the endpoint has written everything.</summary>
    public async Task FinishAsync()
    {
        if (_passThrough)
        {
            return;
        }

        if (_length > 0 && !response.HasStarted && response.ContentLength is null)
        {
            response.ContentLength = _length;
        }

        PassThrough();
        await inner.Writer.FlushAsync();
    }

    private bool PassThrough()
    {
        if (_passThrough)
        {
            return true;
        }

        _passThrough = true;
        if (_buffer is not null)
        {
            if (_length > 0)
            {
                inner.Writer.Write(_buffer.AsSpan(0, _length));
            }

            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = null;
        }

        return true;
    }

    private void EnsureCapacity(int sizeHint)
    {
        if (_buffer is null)
        {
            _buffer = ArrayPool<byte>.Shared.Rent(Math.Max(threshold * 2, sizeHint));
        }
        else if (_buffer.Length - _length < sizeHint)
        {
            var larger = ArrayPool<byte>.Shared.Rent(Math.Max(_buffer.Length * 2, _length + sizeHint));
            _buffer.AsSpan(0, _length).CopyTo(larger);
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = larger;
        }
    }
}
