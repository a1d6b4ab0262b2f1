using System.ComponentModel.DataAnnotations;

namespace CloudLab.OrderService.Domain;

/// <summary>How order placement batches run (configuration section <c>Placement</c>).</summary>
public sealed class PlacementOptions
{
    /// <summary>
    /// How many placement batches may run at once. Each batch costs CPU whatever its size (transactions, HTTP
    /// exchanges, the threads they wake), so more batches in flight shorten an order's wait for one to start and spend
    /// CPU on more, smaller batches. More in flight also costs CPU in itself: at the same batch sizes, three at once
    /// cost 3.63 ms per order against 3.17 with two, every process spending more. Where 2 cores have room, four gave
    /// the lower p95 at 500 orders/s (259-282 ms against 288-289: round 13 of the write path, docs/performance). Where
    /// they have not (round 24: four kept 1.8 of them busy), two cost 9-15 % less CPU per order in every run, and gave
    /// p95 265-433 ms against 356-494 at the target, and placed p95 408-456 ms against 582-844 at the burst.
    /// </summary>
    [Range(1, 64)]
    public int ConcurrentBatches { get; set; } = 2;
}
