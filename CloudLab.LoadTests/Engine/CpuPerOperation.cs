namespace CloudLab.LoadTests.Engine;

/// <summary>What one process (or group of processes) spent on the CPU during a scenario's measured window.</summary>
/// <param name="Process">postgres, redis, a service's name, driver, other, or total.</param>
/// <param name="CpuMs">CPU milliseconds (user + system) consumed in the window.</param>
/// <param name="MsPerOperation">CPU milliseconds per completed operation (0 when none completed).</param>
/// <param name="Cores">How many cores it kept busy on average: CPU ms / window ms.</param>
public sealed record ProcessCpu(string Process, double CpuMs, double MsPerOperation, double Cores);

/// <summary>
/// CPU cost per operation by process over a scenario's measured window. Latency and throughput say how fast; this says
/// where the two cores went: a change that moves work from a service to PostgreSQL, or into the driver, shows here even
/// when the throughput stays the same. <see cref="Total"/> is the whole machine's busy time, so the rows add up to it
/// (named processes + "other").
/// </summary>
/// <param name="StealCores">
/// Cores the hypervisor gave to other guests during the window, on average (/proc/stat's steal).
/// </param>
/// <param name="IoWaitCores">Cores idle while waiting on the disk, on average (/proc/stat's iowait).</param>
/// <param name="LargestInOther">
/// The processes that spent most of "other", by name, largest first (at most <see cref="LargestInOtherShown"/>); null
/// in reports written before they were recorded.
/// </param>
public sealed record CpuPerOperation(
    double WindowMs,
    long Operations,
    IReadOnlyList<ProcessCpu> Processes,
    ProcessCpu Total,
    double StealCores = 0,
    double IoWaitCores = 0,
    IReadOnlyList<ProcessCpu>? LargestInOther = null)
{
    public const string Other = "other";

    /// <summary>
    /// How many of the processes inside "other" a report names. Why name them at all: on one 2-core machine "other"
    /// was 0.26-0.48 ms of a ~3.3 ms order in six runs of one build within an hour, and the runs with more of it had
    /// the higher p95 (222 against 389 ms). It was the kernel's memory monitor, Aspire's orchestrator and the
    /// machine's agent, none of them the app: a report that names them says which runs compare.
    /// </summary>
    public const int LargestInOtherShown = 4;

    /// <summary>
    /// The per-operation arithmetic. <paramref name="processTicks"/> are each named process's CPU ticks consumed in
    /// the window (in report order), <paramref name="machineBusyTicks"/> the machine's; "other" is the difference.
    /// It is not clamped at zero: a slightly negative "other" is sampling noise and says how large that noise is.
    /// <paramref name="otherTicks"/> are the ticks of the processes left unnamed, by name; the largest are kept.
    /// </summary>
    public static CpuPerOperation Compute(
        IReadOnlyList<(string Process, long Ticks)> processTicks,
        long machineBusyTicks,
        double windowMs,
        long operations,
        long ticksPerSecond,
        long stealTicks = 0,
        long ioWaitTicks = 0,
        IReadOnlyList<(string Process, long Ticks)>? otherTicks = null)
    {
        ProcessCpu Row(string process, long ticks)
        {
            var cpuMs = Milliseconds(ticks, ticksPerSecond);
            return new ProcessCpu(
                process,
                cpuMs,
                operations > 0 ? cpuMs / operations : 0,
                windowMs > 0 ? cpuMs / windowMs : 0);
        }

        var named = processTicks.Select(entry => Row(entry.Process, entry.Ticks)).ToList();
        var other = Row(Other, machineBusyTicks - processTicks.Sum(entry => entry.Ticks));
        return new CpuPerOperation(
            windowMs,
            operations,
            [.. named, other],
            Row("total", machineBusyTicks),
            Row("steal", stealTicks).Cores,
            Row("iowait", ioWaitTicks).Cores,
            otherTicks is null
                ? null
                :
                [
                    .. otherTicks
                        .Where(entry => entry.Ticks > 0)
                        .OrderByDescending(entry => entry.Ticks)
                        .ThenBy(entry => entry.Process, StringComparer.Ordinal)
                        .Take(LargestInOtherShown)
                        .Select(entry => Row(entry.Process, entry.Ticks)),
                ]);
    }

    /// <summary>/proc counts CPU time in clock ticks (USER_HZ per second).</summary>
    public static double Milliseconds(long ticks, long ticksPerSecond) => ticks * 1000.0 / ticksPerSecond;

    /// <summary>The row of one process, or null when it is not in this measurement.</summary>
    public ProcessCpu? Of(string process) => Processes.FirstOrDefault(row => row.Process == process);
}
