using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;

namespace CloudLab.LoadTests.Engine;

/// <summary>
/// Reads the CPU time of the processes a load run exercises from /proc at the start and at the end of a scenario's
/// measured window (never the warm-up): PostgreSQL, Redis, each CloudLab service, the driver itself, and the machine
/// as a whole, whose remainder is reported as "other" so that no cost hides, with the processes that spent most of
/// it named. Linux only; elsewhere there is no window.
/// </summary>
public sealed class ProcessCpuSampler
{
    public const string Postgres = "postgres";
    public const string Redis = "redis";
    public const string Driver = "driver";

    /// <summary>The services, found by their command line (the AppHost runs each from its project's build).</summary>
    private static readonly (string Process, string CommandLineMarker)[] Services =
    [
        ("user", "CloudLab.UserService"),
        ("product", "CloudLab.ProductService"),
        ("order", "CloudLab.OrderService"),
        ("payment", "CloudLab.PaymentService"),
        ("analytics", "CloudLab.AnalyticsService"),
    ];

    /// <summary>The named rows in report order; "other" (the rest of the machine) follows them.</summary>
    public static readonly IReadOnlyList<string> Processes =
        [Postgres, Redis, .. Services.Select(service => service.Process), Driver];

    /// <summary>
    /// USER_HZ, the unit of /proc's CPU times. .NET has no API for it, so the C library is asked
    /// (sysconf(_SC_CLK_TCK)); 100 is the fallback because USER_HZ is 100 on every architecture .NET runs Linux on.
    /// </summary>
    internal static readonly long TicksPerSecond = AskTicksPerSecond();

    private const int ScClkTck = 2; // _SC_CLK_TCK in glibc's and musl's unistd.h

    /// <summary>user, nice, system, irq and softirq: their positions on /proc/stat's "cpu" line.</summary>
    private static readonly int[] BusyFields = [1, 2, 3, 6, 7];

    /// <summary>
    /// Which row each process belongs to (null: none), so a command line is read once per process, not per sample.
    /// Keyed by pid and start time, because a pid freed during a long window can be given to a new process.
    /// </summary>
    private readonly Dictionary<ProcessIdentity, string?> _rows = [];
    private readonly Snapshot _start;

    private ProcessCpuSampler() => _start = Take(machineFirst: true);

    /// <summary>Starts a measured window, or returns null where /proc cannot be read.</summary>
    public static ProcessCpuSampler? StartWindow()
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        try
        {
            return new ProcessCpuSampler();
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or FormatException)
        {
            return null;
        }
    }

    /// <summary>
    /// Ends the window: CPU per operation by process, <paramref name="operations"/> being the requests completed in
    /// the window, successful or failed. Null if /proc could not be read this time.
    /// </summary>
    public CpuPerOperation? Stop(long operations)
    {
        Snapshot end;
        try
        {
            end = Take(machineFirst: false);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or FormatException)
        {
            return null;
        }

        // Per process, not sum at the end minus sum at the start: a process that starts inside the window counts from
        // zero (PostgreSQL forks a backend per connection). One that exits inside the window is lost altogether, its
        // CPU then shows up as "other"; that is one reason the app keeps pooled connections open rather than
        // reconnecting. A plain difference of sums would also subtract what such a process spent before the window.
        var ticks = Processes.ToDictionary(process => process, _ => 0L);
        var unnamed = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var (identity, now) in end.Processes)
        {
            var before = _start.Processes.TryGetValue(identity, out var started) ? started.Ticks : 0;
            if (now.Named)
            {
                ticks[now.Row] += now.Ticks - before;
            }
            else
            {
                unnamed[now.Row] = unnamed.GetValueOrDefault(now.Row) + now.Ticks - before;
            }
        }

        return CpuPerOperation.Compute(
            [.. Processes.Select(process => (process, ticks[process]))],
            end.Machine.Busy - _start.Machine.Busy,
            Stopwatch.GetElapsedTime(_start.Timestamp, end.Timestamp).TotalMilliseconds,
            operations,
            TicksPerSecond,
            stealTicks: end.Machine.Steal - _start.Machine.Steal,
            ioWaitTicks: end.Machine.IoWait - _start.Machine.IoWait,
            otherTicks: [.. unnamed.Select(entry => (entry.Key, entry.Value))]);
    }

    /// <summary>
    /// The name a process outside the named rows is counted under: its command name, with a kernel thread's per-CPU
    /// suffix dropped ("kworker/1:2H-kblockd" and "kworker/0:1" are both "kworker").
    /// </summary>
    internal static string UnnamedRow(string comm)
    {
        var slash = comm.IndexOf('/', StringComparison.Ordinal);
        return slash > 0 ? comm[..slash] : comm;
    }

    /// <summary>
    /// Parses a /proc/&lt;pid&gt;/stat line. The command name (field 2) is in parentheses and may itself hold spaces
    /// and parentheses, so the fields after it are counted from its last closing parenthesis: utime and stime are
    /// fields 14 and 15, starttime field 22 (counted from 1, as in proc(5)).
    /// </summary>
    internal static bool TryParseStat(string line, out ProcStat stat)
    {
        stat = default;
        var open = line.IndexOf('(', StringComparison.Ordinal);
        var close = line.LastIndexOf(')');
        if (open <= 0 || close < open
            || !int.TryParse(line.AsSpan(0, open).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
        {
            return false;
        }

        // fields[0] is field 3 (state), so field n is fields[n - 3].
        var fields = line[(close + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length < 20
            || !long.TryParse(fields[14 - 3], NumberStyles.None, CultureInfo.InvariantCulture, out var userTicks)
            || !long.TryParse(fields[15 - 3], NumberStyles.None, CultureInfo.InvariantCulture, out var systemTicks)
            || !long.TryParse(fields[22 - 3], NumberStyles.None, CultureInfo.InvariantCulture, out var startTicks))
        {
            return false;
        }

        stat = new ProcStat(pid, line[(open + 1)..close], userTicks, systemTicks, startTicks);
        return true;
    }

    /// <summary>
    /// The machine's ticks from the first line of /proc/stat ("cpu user nice system idle iowait irq softirq steal
    /// ..."). Busy is user + nice + system + irq + softirq; idle is not work. Iowait (cores waiting on the disk with
    /// nothing else to run) and steal (time the hypervisor gave to another guest) are not this machine's work either,
    /// but both slow it down: runs of one build here differed by 2× in latency at the same CPU per order.
    /// </summary>
    internal static MachineTicks ParseMachineTicks(string cpuLine)
    {
        var fields = cpuLine.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length < 9 || fields[0] != "cpu")
        {
            throw new FormatException($"Not the machine's line of /proc/stat: '{cpuLine}'.");
        }

        long Field(int field) => long.Parse(fields[field], CultureInfo.InvariantCulture);
        return new MachineTicks(BusyFields.Sum(Field), IoWait: Field(5), Steal: Field(8));
    }

    /// <summary>
    /// One reading of every process of interest and of the machine. The machine is read first at the start and last
    /// at the end, so its window encloses the processes' windows and "other" does not go negative from the order of
    /// reads alone.
    /// </summary>
    private Snapshot Take(bool machineFirst)
    {
        var timestamp = Stopwatch.GetTimestamp();
        var machine = machineFirst ? ReadMachineTicks() : default;
        var processes = new Dictionary<ProcessIdentity, (string Row, bool Named, long Ticks)>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out _)
                || TryRead(Path.Combine(directory, "stat")) is not { } line
                || !TryParseStat(line, out var stat))
            {
                continue;
            }

            var identity = new ProcessIdentity(stat.Pid, stat.StartTicks);
            if (!_rows.TryGetValue(identity, out var row))
            {
                row = RowOf(stat, directory);
                _rows[identity] = row;
            }

            processes[identity] = (row ?? UnnamedRow(stat.Comm), row is not null, stat.CpuTicks);
        }

        if (!machineFirst)
        {
            machine = ReadMachineTicks();
            timestamp = Stopwatch.GetTimestamp();
        }

        return new Snapshot(timestamp, machine, processes);
    }

    /// <summary>
    /// PostgreSQL and Redis by their command name: every process of the local PostgreSQL server (postmaster,
    /// background workers, one backend per connection) is called "postgres", whatever title it sets itself.
    /// </summary>
    private static string? RowOf(ProcStat stat, string directory)
    {
        if (stat.Pid == Environment.ProcessId)
        {
            return Driver;
        }

        if (stat.Comm is "postgres")
        {
            return Postgres;
        }

        if (stat.Comm is "redis-server")
        {
            return Redis;
        }

        // NUL-separated arguments; the marker is inside one of them (a path, an assembly or a project name).
        var commandLine = TryRead(Path.Combine(directory, "cmdline")) ?? string.Empty;
        return Services
            .FirstOrDefault(service => commandLine.Contains(service.CommandLineMarker, StringComparison.Ordinal))
            .Process;
    }

    private static MachineTicks ReadMachineTicks()
    {
        using var reader = new StreamReader("/proc/stat");
        return ParseMachineTicks(reader.ReadLine() ?? string.Empty);
    }

    /// <summary>A process can exit between listing /proc and reading its files: it is then simply not there.</summary>
    private static string? TryRead(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static long AskTicksPerSecond()
    {
        try
        {
            var ticks = (long)SysConf(ScClkTck);
            return ticks > 0 ? ticks : 100;
        }
        catch (Exception exception) when (exception is DllNotFoundException or EntryPointNotFoundException)
        {
            return 100;
        }
    }

    [DllImport("libc", EntryPoint = "sysconf")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern nint SysConf(int name);

    private readonly record struct ProcessIdentity(int Pid, long StartTicks);

    private sealed record Snapshot(
        long Timestamp,
        MachineTicks Machine,
        IReadOnlyDictionary<ProcessIdentity, (string Row, bool Named, long Ticks)> Processes);
}

/// <summary>
/// The machine's line of /proc/stat, in clock ticks: busy (user, nice, system, irq, softirq), iowait and steal.
/// </summary>
internal readonly record struct MachineTicks(long Busy, long IoWait, long Steal);

/// <summary>The fields of /proc/&lt;pid&gt;/stat the sampler needs; times in clock ticks.</summary>
internal readonly record struct ProcStat(int Pid, string Comm, long UserTicks, long SystemTicks, long StartTicks)
{
    public long CpuTicks => UserTicks + SystemTicks;
}
