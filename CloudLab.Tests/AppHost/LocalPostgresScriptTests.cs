using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using CloudLab.Tests.Integration;

namespace CloudLab.Tests.AppHost;

/// <summary>
/// The script behind the local PostgreSQL resource: Aspire stops it with SIGTERM, and nothing may outlive it.
/// </summary>
public sealed class LocalPostgresScriptTests
{
    [Fact]
    public async Task Sigterm_stops_the_server_and_removes_an_ephemeral_data_directory()
    {
        var dataDirectory = Path.Combine(Path.GetTempPath(), $"cloudlab-script-test-{Guid.NewGuid():N}");
        var port = FreePort();
        var script = Path.Combine(
            ManifestTests.RepositoryRoot(), "CloudLab.AppHost", "Infrastructure", "postgres-local.sh");
        var start = new ProcessStartInfo("sh", [script, dataDirectory, "ephemeral", "scripttestdb"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["PGPORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        using var server = Process.Start(start)!;
        var ready = new TaskCompletionSource();
        server.OutputDataReceived += (_, line) =>
        {
            if (line.Data?.StartsWith("PostgreSQL is ready", StringComparison.Ordinal) == true)
            {
                ready.TrySetResult();
            }
        };
        server.ErrorDataReceived += (_, _) => { };
        server.BeginOutputReadLine();
        server.BeginErrorReadLine();

        try
        {
            await ready.Task.WaitAsync(TimeSpan.FromSeconds(60));
            Assert.True(await AcceptsConnectionsAsync(port));

            var serverId = server.Id.ToString(System.Globalization.CultureInfo.InvariantCulture);
            using var kill = Process.Start("kill", ["-TERM", serverId])!;
            await kill.WaitForExitAsync();
            await server.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(20));

            Assert.False(await AcceptsConnectionsAsync(port), "the server outlived its script");
            Assert.False(Directory.Exists(dataDirectory), "the ephemeral data directory was left behind");
        }
        finally
        {
            if (!server.HasExited)
            {
                server.Kill(entireProcessTree: true);
            }
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task<bool> AcceptsConnectionsAsync(int port)
    {
        using var client = new TcpClient();
        try
        {
            await client.ConnectAsync(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
