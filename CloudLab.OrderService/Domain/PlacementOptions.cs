using System.ComponentModel.DataAnnotations;

namespace CloudLab.OrderService.Domain;

/// <summary>How order placement batches run (configuration section <c>Placement</c>).</summary>
public sealed class PlacementOptions
{
    /// <summary>
    /// How many placement batches may run at once. Each batch pays ~25 ms of CPU over all processes whatever its size
    /// (transactions, HTTP exchanges, the threads they wake), so more batches in flight shorten an order's wait for
    /// one to start and spend the saved time on more, smaller batches. On 2 cores, at 500 orders/s and 100 orders/s,
    /// `CloudLab.Benchmarks/writes/batches.sh` found ~25 ms per batch; the README's write-path rounds give the runs.
    /// </summary>
    [Range(1, 64)]
    public int ConcurrentBatches { get; set; } = 4;
}
