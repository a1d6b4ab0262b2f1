using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Npgsql;
using StackExchange.Redis;

namespace CloudLab.LoadTests.Chaos;

/// <summary>
/// Breaks the running app the way a chaos run needs, on this machine only: freezes its PostgreSQL server or its Redis
/// (SIGSTOP/SIGCONT), kills its Redis with SIGKILL and starts a new one on the same port, directory and append-only
/// file, switches the simulated payment gateway's failure rates in the settings file PaymentService watches, and kills
/// one of ProductService's replicas with SIGKILL and starts it again as it ran. Disposing undoes whatever is still in
/// effect and stops what it started.
/// </summary>
public sealed class AppFaults : IAsyncDisposable
{
    private readonly ServiceProcess _order;
    private readonly ServiceProcess _payment;
    private readonly List<int> _frozen = [];
    private int? _frozenRedis;
    private Process? _redis;
    private Process? _replica;
    private string? _gatewaySettings;
    private string? _gatewaySettingsPath;

    private AppFaults(ServiceProcess order, ServiceProcess payment)
    {
        _order = order;
        _payment = payment;
    }

    /// <summary>Finds the app's processes by the ports the driver sends to (other apps here use others).</summary>
    public static AppFaults Find(Scenarios.Targets targets) =>
        new(ServiceProcess.Find("orderdb", targets.Order.Port), ServiceProcess.Find("paymentdb", targets.Payment.Port));

    /// <summary>Stops the PostgreSQL server the services use and all its backends: a hung database.</summary>
    public async Task FreezePostgresAsync()
    {
        var port = ConnectionPart(_order.Environment["ConnectionStrings__orderdb"], "Port");
        var postmaster = ProcessTable.Find(process =>
            process.Name == "postgres" && ArgumentAfter(process.Arguments, "-p") == port)
            ?? throw new InvalidOperationException($"No PostgreSQL server listens on port {port}.");
        // The postmaster first, and its children listed only then: stopped, it forks no backend, so none escapes the
        // freeze. Listed before, a backend forked in between (a pool opening a connection) would serve through it.
        _frozen.Add(postmaster);
        await SignalAsync("STOP", [postmaster]);
        var backends = ProcessTable.Children(postmaster);
        _frozen.AddRange(backends);
        await SignalAsync("STOP", backends);
    }

    public async Task ResumePostgresAsync()
    {
        if (_frozen.Count > 0)
        {
            await SignalAsync("CONT", _frozen);
            _frozen.Clear();
        }
    }

    /// <summary>
    /// Stops the Redis server (SIGSTOP): a hung Redis, which accepts connections and answers nothing, so every call
    /// waits for its timeout instead of failing at once as with a dead one.
    /// </summary>
    public async Task FreezeRedisAsync()
    {
        _frozenRedis = (await FindRedisAsync()).ProcessId;
        await SignalAsync("STOP", [_frozenRedis.Value]);
    }

    public async Task ResumeRedisAsync()
    {
        if (_frozenRedis is { } processId)
        {
            await SignalAsync("CONT", [processId]);
            _frozenRedis = null;
        }
    }

    /// <summary>SIGKILL to the Redis server: no shutdown, no last write to the append-only file.</summary>
    public async Task<RedisServer> KillRedisAsync()
    {
        var server = await FindRedisAsync();
        await KillAsync(server.ProcessId);
        return server;
    }

    /// <summary>The app's Redis server: its process and how it runs, asked of Redis itself.</summary>
    private async Task<RedisServer> FindRedisAsync()
    {
        var options = ConfigurationOptions.Parse(_order.Environment["ConnectionStrings__redis"]);
        options.AllowAdmin = true;
        options.AbortOnConnectFail = true;
        RedisServer server;
        using (var connection = await ConnectionMultiplexer.ConnectAsync(options))
        {
            var admin = connection.GetServer(connection.GetEndPoints()[0]);
            var info = (await admin.InfoAsync("server")).SelectMany(group => group)
                .ToDictionary(pair => pair.Key, pair => pair.Value, StringComparer.Ordinal);
            var config = (await admin.ConfigGetAsync("*"))
                .ToDictionary(pair => pair.Key, pair => pair.Value, StringComparer.Ordinal);
            server = new RedisServer(
                int.Parse(info["process_id"], CultureInfo.InvariantCulture),
                config["port"],
                config["dir"],
                config["appendonly"]);
        }

        return server;
    }

    /// <summary>
    /// Starts redis-server from the PATH as the AppHost does (DCP does not restart it). Not /proc/PID/exe: on Debian
    /// that names redis-check-rdb, which would check the file instead of serving it.
    /// </summary>
    public async Task RestartRedisAsync(RedisServer server)
    {
        var start = new ProcessStartInfo(
            "redis-server",
            [
                "--port", server.Port, "--bind", "127.0.0.1", "-::1", "--maxmemory-policy", "volatile-lru",
                "--save", "", "--appendonly", server.AppendOnly, "--dir", server.Directory,
            ])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        _redis = Process.Start(start) ?? throw new InvalidOperationException("redis-server could not be started.");
        _redis.OutputDataReceived += (_, _) => { };
        _redis.ErrorDataReceived += (_, _) => { };
        _redis.BeginOutputReadLine();
        _redis.BeginErrorReadLine();
        var options = ConfigurationOptions.Parse(_order.Environment["ConnectionStrings__redis"]);
        for (var attempt = 0; attempt < 100; attempt++)
        {
            try
            {
                using var connection = await ConnectionMultiplexer.ConnectAsync(options);
                if (connection.IsConnected)
                {
                    return;
                }
            }
            catch (RedisConnectionException)
            {
            }

            await Task.Delay(100);
        }

        throw new InvalidOperationException("The restarted Redis did not accept connections within 10 s.");
    }

    /// <summary>
    /// SIGKILL to one of ProductService's replicas of this app: the service's own process (found by its database's
    /// connection string and this app's Redis), not the <c>dotnet run</c> DCP started it with, which then exits too.
    /// </summary>
    public async Task<ReplicaProcess> KillProductReplicaAsync()
    {
        var replicas = ProductReplicas();
        if (replicas.Count < 2)
        {
            throw new InvalidOperationException(
                $"Found {replicas.Count} ProductService replica(s) of this app; the replica crash needs two "
                    + "(start the app with --Services:productservice:Replicas=2, as --start-app does for chaos).");
        }

        var (victim, environment) = replicas[0];
        var working = new DirectoryInfo($"/proc/{victim.Id}/cwd").ResolveLinkTarget(returnFinalTarget: true);
        var replica = new ReplicaProcess(victim.Arguments, environment, working?.FullName ?? ".");
        await KillAsync(victim.Id);
        return replica;
    }

    /// <summary>
    /// ProductService's replicas of this app: the service processes themselves (not the <c>dotnet run</c> wrappers),
    /// found by their database's connection string and this app's Redis.
    /// </summary>
    private List<(ProcessEntry Process, Dictionary<string, string> Environment)> ProductReplicas()
    {
        var redis = _order.Environment["ConnectionStrings__redis"];
        return ProcessTable.All()
            .Where(process => process.Name != "dotnet" && process.Arguments.Count > 0)
            .Select(process => (process, Environment: ProcessTable.Environment(process.Id)))
            .Where(entry => entry.Environment.ContainsKey("ConnectionStrings__productdb")
                && entry.Environment.GetValueOrDefault("ConnectionStrings__redis") == redis
                && entry.Environment.ContainsKey("ASPNETCORE_URLS"))
            .ToList();
    }

    /// <summary>SIGKILL, then up to 5 s for the process to go.</summary>
    private static async Task KillAsync(int processId)
    {
        using var process = Process.GetProcessById(processId);
        process.Kill();
        // Not our child: until DCP reaps it, it may look alive. Its sockets are closed either way.
        using var reaped = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            await process.WaitForExitAsync(reaped.Token);
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>
    /// Starts the killed replica again with its command line, environment and folder (so on its port), and waits
    /// up to a minute for its /health.
    /// </summary>
    public async Task RestartReplicaAsync(ReplicaProcess replica, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(replica.Arguments[0], replica.Arguments.Skip(1))
        {
            WorkingDirectory = replica.WorkingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment.Clear();
        foreach (var (key, value) in replica.Environment)
        {
            start.Environment[key] = value;
        }

        _replica = Process.Start(start) ?? throw new InvalidOperationException("The replica could not be started.");
        _replica.OutputDataReceived += (_, _) => { };
        _replica.ErrorDataReceived += (_, _) => { };
        _replica.BeginOutputReadLine();
        _replica.BeginErrorReadLine();
        var health = new Uri(new Uri(replica.Url), "/health");
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow.AddMinutes(1);
        while (DateTime.UtcNow < deadline && !_replica.HasExited)
        {
            try
            {
                if (await http.GetStringAsync(health, cancellationToken) is "Healthy" or "Degraded")
                {
                    return;
                }
            }
            catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException)
            {
            }

            await Task.Delay(200, cancellationToken);
        }

        throw new InvalidOperationException($"The restarted replica did not answer {health} within a minute.");
    }

    /// <summary>
    /// API requests the restarted replica has answered (its /metrics), to tell whether traffic came back to it; null
    /// when there is none or it cannot be read.
    /// </summary>
    public async Task<long?> RestartedReplicaRequestsAsync(ReplicaProcess replica)
    {
        if (_replica is not { HasExited: false })
        {
            return null;
        }

        try
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
            var metrics = await http.GetStringAsync(new Uri(new Uri(replica.Url), "/metrics"));
            return metrics.Split('\n')
                .Where(line => line.StartsWith("api_request_duration_seconds_count{", StringComparison.Ordinal)
                    && line.Contains("/api/products", StringComparison.Ordinal))
                .Sum(line => (long)double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture));
        }
        catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException
            or FormatException)
        {
            return null;
        }
    }

    /// <summary>
    /// Sets the simulated gateway's error and lost-answer rates in the appsettings.json of PaymentService's content
    /// root, which it reloads through IOptionsMonitor; the original file comes back on <see cref="RestoreGateway"/>.
    /// </summary>
    public void BreakGateway(double errorRate, double lostResponseRate)
    {
        var root = _payment.Environment.GetValueOrDefault("ASPNETCORE_CONTENTROOT") ?? _payment.WorkingDirectory;
        _gatewaySettingsPath = Path.Combine(root, "appsettings.json");
        _gatewaySettings = File.ReadAllText(_gatewaySettingsPath);
        var settings = JsonNode.Parse(_gatewaySettings)!.AsObject();
        var gateway = settings["Gateway"] as JsonObject ?? [];
        settings["Gateway"] = gateway;
        var simulator = gateway["Simulator"] as JsonObject ?? [];
        gateway["Simulator"] = simulator;
        simulator["ErrorRate"] = errorRate;
        simulator["LostResponseRate"] = lostResponseRate;
        File.WriteAllText(_gatewaySettingsPath, settings.ToJsonString(Reports.ReportWriter.Json));
    }

    public void RestoreGateway()
    {
        if (_gatewaySettings is not null && _gatewaySettingsPath is not null)
        {
            File.WriteAllText(_gatewaySettingsPath, _gatewaySettings);
            _gatewaySettings = null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await ResumePostgresAsync();
        await ResumeRedisAsync();
        RestoreGateway();
        if (_redis is { HasExited: false })
        {
            // SIGTERM: the Redis this run started writes its append-only file and exits, as DCP would stop it.
            await SignalAsync("TERM", [_redis.Id]);
            await _redis.WaitForExitAsync();
        }

        _redis?.Dispose();
        if (_replica is { HasExited: false })
        {
            // Not DCP's: stopping the app would leave it running.
            await SignalAsync("TERM", [_replica.Id]);
            using var stopped = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            try
            {
                await _replica.WaitForExitAsync(stopped.Token);
            }
            catch (OperationCanceledException)
            {
                _replica.Kill();
            }
        }

        _replica?.Dispose();
    }

    /// <summary>
    /// The stock PostgreSQL holds for these products, read past ProductService and its cache: tells lost stock from a
    /// stale cached copy when the API's numbers do not add up.
    /// </summary>
    public async Task<Dictionary<Guid, int>> StockInDatabaseAsync(IEnumerable<Guid> products)
    {
        var connectionString = ProductReplicas()
            .Select(replica => replica.Environment["ConnectionStrings__productdb"])
            .FirstOrDefault()
            ?? throw new InvalidOperationException("No ProductService replica of this app is running.");
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT id, stock FROM products WHERE id = ANY(@ids)", connection);
        command.Parameters.AddWithValue("ids", products.ToArray());
        var stock = new Dictionary<Guid, int>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            stock[reader.GetGuid(0)] = reader.GetInt32(1);
        }

        return stock;
    }

    /// <summary>kill(1) with the signal; nothing to signal is nothing to do (kill with no process id fails).</summary>
    private static async Task SignalAsync(string signal, IReadOnlyCollection<int> processIds)
    {
        if (processIds.Count == 0)
        {
            return;
        }

        using var kill = Process.Start(
            "kill", [$"-{signal}", .. processIds.Select(id => id.ToString(CultureInfo.InvariantCulture))]);
        await kill.WaitForExitAsync();
    }

    private static string ConnectionPart(string connectionString, string key) =>
        connectionString.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(part => part.Split('=', 2))
            .FirstOrDefault(part => part.Length == 2 && part[0].Equals(key, StringComparison.OrdinalIgnoreCase))?[1]
        ?? throw new InvalidOperationException($"The connection string names no {key}.");

    private static string? ArgumentAfter(IReadOnlyList<string> arguments, string name)
    {
        var index = arguments.ToList().IndexOf(name);
        return index >= 0 && index + 1 < arguments.Count ? arguments[index + 1] : null;
    }
}

/// <summary>How a killed replica ran (command line, environment, folder), to start it again the same way.</summary>
public sealed record ReplicaProcess(
    IReadOnlyList<string> Arguments, IReadOnlyDictionary<string, string> Environment, string WorkingDirectory)
{
    /// <summary>The first address it listened on (ASPNETCORE_URLS).</summary>
    public string Url => Environment["ASPNETCORE_URLS"].Split(';')[0];
}

/// <summary>How the killed Redis ran, to start the next one the same way.</summary>
public sealed record RedisServer(int ProcessId, string Port, string Directory, string AppendOnly);
