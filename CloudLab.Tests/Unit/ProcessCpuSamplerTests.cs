using System.Diagnostics;
using System.Text.Json;
using CloudLab.LoadTests.Engine;
using CloudLab.LoadTests.Reports;

namespace CloudLab.Tests.Unit;

public sealed class ProcessCpuSamplerTests
{
    // Fields 3 to 23 of proc(5): state, ppid, pgrp, session, tty_nr, tpgid, flags, minflt, cminflt, majflt,
    // cmajflt, utime (14) = 1500, stime (15) = 250, cutime, cstime, priority, nice, num_threads, itrealvalue,
    // starttime (22) = 987654, vsize.
    private const string StatAfterComm = "S 1 1234 1234 0 -1 4194560 500 0 0 0 1500 250 7 9 20 0 8 0 987654 1048576";

    [Fact]
    public void Stat_fields_are_counted_from_the_last_parenthesis_of_a_command_name_with_spaces_and_parentheses()
    {
        Assert.True(ProcessCpuSampler.TryParseStat($"1234 (my (odd) proc) {StatAfterComm}\n", out var stat));

        Assert.Equal(1234, stat.Pid);
        Assert.Equal("my (odd) proc", stat.Comm);
        Assert.Equal(1500, stat.UserTicks);
        Assert.Equal(250, stat.SystemTicks);
        Assert.Equal(1750, stat.CpuTicks);
        Assert.Equal(987654, stat.StartTicks);
    }

    [Fact]
    public void A_command_name_that_looks_like_fields_does_not_shift_them()
    {
        Assert.True(ProcessCpuSampler.TryParseStat($"77 () S 1 2 3 () {StatAfterComm}", out var stat));

        Assert.Equal(") S 1 2 3 (", stat.Comm);
        Assert.Equal(1500, stat.UserTicks);
        Assert.Equal(250, stat.SystemTicks);
    }

    [Theory]
    [InlineData("")]
    [InlineData("1234 (truncated) S 1 1234")]
    [InlineData("(no pid) S 1 1234 1234 0 -1 4194560 500 0 0 0 1500 250 7 9 20 0 8 0 987654 1048576")]
    public void A_line_that_is_not_a_whole_stat_line_is_refused(string line) =>
        Assert.False(ProcessCpuSampler.TryParseStat(line, out _));

    [Fact]
    public void The_machine_is_busy_in_user_nice_system_irq_and_softirq_time_not_idle_iowait_or_steal()
    {
        //                               user nice system idle  iowait irq softirq steal guest guest_nice
        const string line = "cpu  9573 12 3133 18529 430 5 243 568 0 0";

        Assert.Equal(9573 + 12 + 3133 + 5 + 243, ProcessCpuSampler.ParseMachineTicks(line).Busy);
        Assert.Equal(new MachineTicks(9573 + 12 + 3133 + 5 + 243, IoWait: 430, Steal: 568),
            ProcessCpuSampler.ParseMachineTicks(line));
    }

    [Fact]
    public void Steal_and_iowait_are_reported_as_cores_over_the_window_apart_from_the_machines_work()
    {
        // 100 ticks a second over 2 s: 40 ticks of steal = 400 ms = 0.2 cores; 10 of iowait = 0.05 cores.
        var cpu = CpuPerOperation.Compute(
            [("postgres", 150)], machineBusyTicks: 200, windowMs: 2000, operations: 10, ticksPerSecond: 100,
            stealTicks: 40, ioWaitTicks: 10);

        Assert.Equal(0.2, cpu.StealCores, precision: 9);
        Assert.Equal(0.05, cpu.IoWaitCores, precision: 9);
        Assert.Equal(1.0, cpu.Total.Cores, precision: 9);
        Assert.Contains("steal 0.20, iowait 0.05 cores", CpuTable.Summary(cpu),
            StringComparison.Ordinal);
    }

    [Fact]
    public void Ticks_become_milliseconds_per_operation_and_cores_and_the_rest_of_the_machine_is_other()
    {
        // 100 ticks a second: postgres 150 ticks = 1,500 ms, driver 50 = 500 ms; the machine 260 = 2,600 ms.
        var cpu = CpuPerOperation.Compute(
            [("postgres", 150), ("driver", 50)], machineBusyTicks: 260, windowMs: 2000, operations: 3000,
            ticksPerSecond: 100);

        Assert.Equal(["postgres", "driver", "other"], cpu.Processes.Select(row => row.Process));
        Assert.Equal(new ProcessCpu("postgres", 1500, 0.5, 0.75), cpu.Of("postgres"));
        Assert.Equal(500.0 / 3000, cpu.Of("driver")!.MsPerOperation, precision: 9);
        Assert.Equal(new ProcessCpu("other", 600, 0.2, 0.3), cpu.Of("other"));
        Assert.Equal(new ProcessCpu("total", 2600, 2600.0 / 3000, 1.3), cpu.Total);
    }

    [Fact]
    public void A_window_without_operations_has_no_cost_per_operation()
    {
        var cpu = CpuPerOperation.Compute([("redis", 10)], machineBusyTicks: 10, windowMs: 1000, operations: 0, 100);

        Assert.Equal(0, cpu.Of("redis")!.MsPerOperation);
        Assert.Equal(0.1, cpu.Of("redis")!.Cores, precision: 9);
        Assert.Equal("—", CpuTable.Rows([Scenario(cpu)]).Single()[2]);
    }

    [Fact]
    public void The_report_has_one_row_per_scenario_and_older_reports_have_no_cpu_field()
    {
        var ticks = ProcessCpuSampler.Processes.Select((process, index) => (process, (long)(index + 1) * 10)).ToList();
        var cpu = CpuPerOperation.Compute(ticks, machineBusyTicks: 400, windowMs: 10_000, operations: 20_000, 100);
        var measured = Scenario(cpu);
        var report = new RunReport("test", DateTimeOffset.UnixEpoch, "machine", [measured, Scenario(null)],
            new Dictionary<string, double>(), []);

        var markdown = ReportWriter.Markdown(report);

        Assert.Contains(CpuTable.Title, markdown, StringComparison.Ordinal);
        Assert.Contains("| scenario | operations | postgres | redis | user | product | order | payment | analytics "
            + "| driver | other | total | cores |", markdown, StringComparison.Ordinal);
        // postgres 10 ticks = 100 ms over 20,000 operations; other = 400 - 360 ticks; 4,000 ms in 10 s = 0.4 cores.
        Assert.Contains("| s | 20,000 | 0.005 | 0.010 | 0.015 | 0.020 | 0.025 | 0.030 | 0.035 | 0.040 | 0.020 "
            + "| 0.200 | 0.40 |", markdown, StringComparison.Ordinal);
        Assert.Single(CpuTable.Rows(report.Scenarios));
        using var withCpu = JsonDocument.Parse(JsonSerializer.Serialize(measured, ReportWriter.Json));
        Assert.Equal(20_000, withCpu.RootElement.GetProperty("cpu").GetProperty("operations").GetInt64());
        using var withoutCpu = JsonDocument.Parse(JsonSerializer.Serialize(Scenario(null), ReportWriter.Json));
        Assert.False(withoutCpu.RootElement.TryGetProperty("cpu", out _));
    }

    [Fact]
    public void The_driver_measures_its_own_cpu_in_a_window_as_the_runtime_does()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        using var self = Process.GetCurrentProcess();
        var sampler = ProcessCpuSampler.StartWindow();
        Assert.NotNull(sampler);
        var spinUntil = self.TotalProcessorTime + TimeSpan.FromMilliseconds(300);
        while (self.TotalProcessorTime < spinUntil)
        {
            self.Refresh();
        }

        var cpu = sampler.Stop(operations: 100)!;

        // 300 ms spent by this process (the "driver" here), measured in ticks of 10 ms each (USER_HZ = 100).
        var driver = cpu.Of(ProcessCpuSampler.Driver)!;
        Assert.InRange(driver.CpuMs, 250, 60_000);
        Assert.Equal(driver.CpuMs / 100, driver.MsPerOperation, precision: 9);
        Assert.True(cpu.Total.CpuMs >= driver.CpuMs - 50, $"machine {cpu.Total.CpuMs} ms < driver {driver.CpuMs} ms");
        Assert.NotNull(cpu.LargestInOther);
        Assert.DoesNotContain(cpu.LargestInOther, row => row.Process == ProcessCpuSampler.Driver || row.CpuMs <= 0);
    }

    [Fact]
    public void The_processes_that_spent_most_of_other_are_named_in_the_console_line_and_the_report()
    {
        // 100 ticks a second over 10 s and 1,000 operations: 30 ticks = 300 ms = 0.3 ms per operation.
        var cpu = CpuPerOperation.Compute(
            [("postgres", 100)], machineBusyTicks: 400, windowMs: 10_000, operations: 1_000, ticksPerSecond: 100,
            otherTicks:
            [
                ("kworker", 5), ("dcp", 20), ("kdamond.0", 30), ("idle-thing", 0), ("process_api", 10), ("sh", 1),
                ("AppHost", 10),
            ]);

        Assert.Equal(
            ["kdamond.0", "dcp", "AppHost", "process_api"], cpu.LargestInOther!.Select(row => row.Process));
        Assert.Equal(0.3, cpu.LargestInOther![0].MsPerOperation, precision: 9);
        Assert.EndsWith("; in other: kdamond.0 0.300 · dcp 0.200 · AppHost 0.100 · process_api 0.100",
            CpuTable.Summary(cpu), StringComparison.Ordinal);
        var report = new RunReport("test", DateTimeOffset.UnixEpoch, "machine", [Scenario(cpu), Scenario(null)],
            new Dictionary<string, double>(), []);
        Assert.Contains("- s: kdamond.0 0.300 · dcp 0.200 · AppHost 0.100 · process_api 0.100",
            ReportWriter.Markdown(report), StringComparison.Ordinal);
    }

    [Fact]
    public void A_report_without_the_processes_of_other_has_no_such_list()
    {
        var cpu = CpuPerOperation.Compute([("redis", 10)], machineBusyTicks: 20, windowMs: 1000, operations: 5, 100);
        var report = new RunReport("test", DateTimeOffset.UnixEpoch, "machine", [Scenario(cpu)],
            new Dictionary<string, double>(), []);

        Assert.Null(cpu.LargestInOther);
        Assert.DoesNotContain("in other:", CpuTable.Summary(cpu), StringComparison.Ordinal);
        Assert.DoesNotContain("spent most of other", ReportWriter.Markdown(report), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("kworker/1:2H-kblockd", "kworker")]
    [InlineData("ksoftirqd/0", "ksoftirqd")]
    [InlineData("kdamond.0", "kdamond.0")]
    [InlineData("dcp", "dcp")]
    public void Kernel_threads_are_counted_under_their_name_without_the_per_cpu_suffix(string comm, string row) =>
        Assert.Equal(row, ProcessCpuSampler.UnnamedRow(comm));

    private static ScenarioResult Scenario(CpuPerOperation? cpu) =>
        new("s", "w", "open", 100, 100, 2, 200, 0, 0, 1, 1.5, 2, 3, 4, 0.1, 0,
            new Dictionary<string, long> { ["200"] = 200 }, [], cpu);
}
