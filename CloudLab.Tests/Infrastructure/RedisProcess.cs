using System.Diagnostics;
using System.Globalization;
using StackExchange.Redis;

namespace CloudLab.Tests.Infrastructure;

/// <summary>The app's local redis-server, as the server itself reports it (pid, data directory).</summary>
public sealed record RedisProcess(int ProcessId, string AppendOnlyDirectory)
{
    public static async Task<RedisProcess> FindAsync(string connectionString)
    {
        await using var redis = await ConnectionMultiplexer.ConnectAsync(connectionString + ",allowAdmin=true");
        var server = redis.GetServers()[0];
        var info = (await server.InfoAsync("server")).SelectMany(group => group).ToDictionary();
        var config = (await server.ConfigGetAsync("*dir*")).ToDictionary();
        return new RedisProcess(
            int.Parse(info["process_id"], CultureInfo.InvariantCulture),
            Path.Combine(config["dir"], config["appenddirname"]));
    }

    /// <summary>The newest increment file of the multi-part append-only file (Redis 7).</summary>
    public string LastAppendOnlyIncrement() =>
        Directory.GetFiles(AppendOnlyDirectory, "*.incr.aof")
            .OrderBy(path => int.Parse(path.Split('.')[^3], CultureInfo.InvariantCulture))
            .LastOrDefault()
        ?? throw new InvalidOperationException($"No append-only increment in {AppendOnlyDirectory}.");

    /// <summary>SIGKILL: no shutdown, no last write.</summary>
    public void Kill()
    {
        using var process = Process.GetProcessById(ProcessId);
        process.Kill();
        process.WaitForExit(TimeSpan.FromSeconds(10));
    }

    public bool IsRunning()
    {
        try
        {
            using var process = Process.GetProcessById(ProcessId);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}
