using System.Diagnostics.Metrics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CloudLab.ServiceDefaults.Telemetry;

public sealed class ResourceMonitoringOptions
{
    /// <summary>A warning is logged when the managed heap grows past this many bytes.</summary>
    public long ManagedMemoryWarningBytes { get; set; } = 1L << 30;

    public TimeSpan SampleInterval { get; set; } = TimeSpan.FromSeconds(5);
}

/// <summary>
/// <c>resource_utilization_percent{resource_type=cpu|memory}</c> from the runtime's own counters
/// (process CPU time and working set against the CPUs and memory available to the process, container limits included).
/// Microsoft.Extensions.Diagnostics.ResourceMonitoring publishes the same numbers under other names and units;
/// two subtractions here give the standard's name without a second sampler.
/// </summary>
public sealed class ResourceUtilizationMonitor : BackgroundService
{
    private readonly ResourceMonitoringOptions _options;
    private readonly ILogger<ResourceUtilizationMonitor> _logger;
    private double _cpuPercent;
    private double _memoryPercent;
    private bool _memoryWarningActive;

    public ResourceUtilizationMonitor(
        IMeterFactory meterFactory,
        IOptions<ResourceMonitoringOptions> options,
        ILogger<ResourceUtilizationMonitor> logger)
    {
        _options = options.Value;
        _logger = logger;
        var meter = meterFactory.Create(CloudLabMeters.Resources);
        meter.CreateObservableGauge(
            "resource_utilization_percent",
            () => new[]
            {
                new Measurement<double>(
                    Volatile.Read(ref _cpuPercent), new KeyValuePair<string, object?>("resource_type", "cpu")),
                new Measurement<double>(
                    Volatile.Read(ref _memoryPercent), new KeyValuePair<string, object?>("resource_type", "memory")),
            },
            description: "CPU and memory used by this process, as a percentage of what is available to it.");
    }

    public double CpuPercent => Volatile.Read(ref _cpuPercent);

    public double MemoryPercent => Volatile.Read(ref _memoryPercent);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var lastCpu = Environment.CpuUsage.TotalTime;
        var lastWall = TimeProvider.System.GetTimestamp();
        using var timer = new PeriodicTimer(_options.SampleInterval);
        while (await WaitAsync(timer, stoppingToken))
        {
            var cpu = Environment.CpuUsage.TotalTime;
            var wall = TimeProvider.System.GetTimestamp();
            var elapsed = TimeProvider.System.GetElapsedTime(lastWall, wall);
            Volatile.Write(ref _cpuPercent, 100 * (cpu - lastCpu) / (elapsed * Environment.ProcessorCount));
            (lastCpu, lastWall) = (cpu, wall);

            var available = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
            Volatile.Write(ref _memoryPercent, available > 0 ? 100.0 * Environment.WorkingSet / available : 0);
            WarnOnManagedMemory(GC.GetTotalMemory(forceFullCollection: false));
        }
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken stoppingToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(stoppingToken);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private void WarnOnManagedMemory(long managedBytes)
    {
        var over = managedBytes > _options.ManagedMemoryWarningBytes;
        if (over && !_memoryWarningActive)
        {
            _logger.LogWarning(
                "Managed memory is {ManagedMegabytes} MB, above the {ThresholdMegabytes} MB warning threshold",
                managedBytes >> 20, _options.ManagedMemoryWarningBytes >> 20);
        }

        _memoryWarningActive = over;
    }
}
