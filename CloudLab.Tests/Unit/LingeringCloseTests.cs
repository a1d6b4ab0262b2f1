using System.Net.Sockets;
using System.Text;
using CloudLab.ServiceDefaults.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;

namespace CloudLab.Tests.Unit;

/// <summary>
/// A request Kestrel refuses before reading all of it still gets its status: the client can finish sending and then
/// read the refusal, instead of a connection reset. A real Kestrel on loopback with the spine's registration.
/// </summary>
public sealed class LingeringCloseTests
{
    // Far more than loopback's socket buffers take, so without the drain the client's write meets a reset.
    private const int OversizeBytes = 12 * 1024 * 1024;

    [Theory]
    [InlineData("request line", "414")]
    [InlineData("header", "431")]
    public async Task An_oversize_request_gets_its_refusal_not_a_reset(string where, string status)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Services.AddApiProtections(builder.Configuration);
        await using var app = builder.Build();
        app.MapGet("/", () => "ok");
        await app.StartAsync();
        try
        {
            var address = new Uri(app.Urls.First());
            using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
            await socket.ConnectAsync(address.Host, address.Port);
            var filler = new string('a', OversizeBytes);
            var request = where == "header"
                ? $"GET / HTTP/1.1\r\nHost: localhost\r\nX-Filler: {filler}\r\n\r\n"
                : $"GET /?q={filler} HTTP/1.1\r\nHost: localhost\r\n\r\n";
            await socket.SendAsync(Encoding.ASCII.GetBytes(request));

            var answer = new byte[256];
            var read = await socket.ReceiveAsync(answer);
            Assert.StartsWith($"HTTP/1.1 {status}", Encoding.ASCII.GetString(answer, 0, read));
        }
        finally
        {
            await app.StopAsync();
        }
    }

    [Fact]
    public async Task A_client_that_keeps_sending_is_cut_off_after_the_linger_bound()
    {
        var pipe = new System.IO.Pipelines.Pipe();
        var endless = Task.Run(async () =>
        {
            var chunk = new byte[64 * 1024];
            while (true)
            {
                var flushed = await pipe.Writer.WriteAsync(chunk);
                if (flushed.IsCompleted)
                {
                    return;
                }
            }
        });
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await LingeringClose.DrainAsync(pipe.Reader, CancellationToken.None);
        Assert.True(clock.Elapsed < LingeringClose.MaxLinger + TimeSpan.FromSeconds(1), $"lingered {clock.Elapsed}");
        await pipe.Reader.CompleteAsync();
        await endless;
    }
}
