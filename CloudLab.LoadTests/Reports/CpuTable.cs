using System.Globalization;
using CloudLab.LoadTests.Engine;

namespace CloudLab.LoadTests.Reports;

/// <summary>
/// The "CPU per operation (ms) by process" table, one row per scenario, laid out once for both the Markdown report
/// and the console so the two never disagree.
/// </summary>
public static class CpuTable
{
    public const string Title = "CPU per operation (ms) by process";

    public const string Explanation =
        "CPU time (user + system, from /proc) spent in each scenario's measured window, divided by the requests " +
        "completed in it (successful or failed). postgres sums every PostgreSQL process, backends included; other is " +
        "the machine's busy time minus the named processes; total is the machine's; cores = CPU ms / window ms; " +
        "steal and iowait are the cores the hypervisor gave to other guests and the cores idle waiting on the disk, " +
        "on average (not this machine's work, but they slow it: compare runs only when these are alike).";

    public static IReadOnlyList<string> Columns { get; } =
        ["scenario", "operations", .. ProcessCpuSampler.Processes, CpuPerOperation.Other, "total", "cores", "steal",
            "iowait"];

    /// <summary>The scenarios that were measured (those run where /proc could be read), as cells of text.</summary>
    public static IReadOnlyList<IReadOnlyList<string>> Rows(IEnumerable<ScenarioResult> scenarios) =>
    [
        .. scenarios.Where(scenario => scenario.Cpu is not null).Select(scenario => (IReadOnlyList<string>)
        [
            scenario.Name,
            scenario.Cpu!.Operations.ToString("N0", CultureInfo.InvariantCulture),
            .. scenario.Cpu.Processes.Select(row => PerOperation(scenario.Cpu, row)),
            PerOperation(scenario.Cpu, scenario.Cpu.Total),
            scenario.Cpu.Total.Cores.ToString("0.00", CultureInfo.InvariantCulture),
            scenario.Cpu.StealCores.ToString("0.00", CultureInfo.InvariantCulture),
            scenario.Cpu.IoWaitCores.ToString("0.00", CultureInfo.InvariantCulture),
        ]),
    ];

    /// <summary>One console line after each scenario: the processes that used the CPU, then the total.</summary>
    public static string Summary(CpuPerOperation cpu) =>
        string.Join(" · ", cpu.Processes
            .Where(row => row.CpuMs != 0)
            .Select(row => $"{row.Process} {PerOperation(cpu, row)}"))
        + string.Create(CultureInfo.InvariantCulture,
            $"; total {PerOperation(cpu, cpu.Total)} ({cpu.Total.Cores:0.00} cores, {cpu.Operations:N0} operations)"
            + $"; steal {cpu.StealCores:0.00}, iowait {cpu.IoWaitCores:0.00} cores")
        + (LargestInOther(cpu) is { } largest ? $"; in other: {largest}" : string.Empty);

    /// <summary>The processes that spent most of "other", in ms per operation; null when none were recorded.</summary>
    public static string? LargestInOther(CpuPerOperation cpu) =>
        cpu.LargestInOther is { Count: > 0 } rows
            ? string.Join(" · ", rows.Select(row => $"{row.Process} {PerOperation(cpu, row)}"))
            : null;

    private static string PerOperation(CpuPerOperation cpu, ProcessCpu row) =>
        cpu.Operations == 0 ? "—" : row.MsPerOperation.ToString("0.000", CultureInfo.InvariantCulture);
}
