using System.ComponentModel.DataAnnotations;

namespace CloudLab.OrderService.Domain;

/// <summary>How order placement batches run (configuration section <c>Placement</c>).</summary>
public sealed class PlacementOptions
{
    /// <summary>
    /// How many placement batches may run at once. Each batch costs CPU whatever its size (transactions, HTTP
    /// exchanges, the threads they wake), so more batches in flight shorten an order's wait for one to start and spend
    /// CPU on more, smaller batches. On 2 cores at 500 orders/s, 2 at once cost 13-15 % less CPU per order than 4 on
    /// either machine measured. Where the machine has room (round 13 of the write path, docs/performance), 4 gave the
    /// lower p95 (259-282 ms against 288-289). Where it has not (round 24: 4 kept 1.8 of the 2 cores busy), the work
    /// 4 added made every step slower: p95 445 ms with 4, 543 ms with 3, 265 and 293 ms with 2, 338 ms with 1 (which
    /// made orders wait a whole batch for the one loop).
    /// </summary>
    [Range(1, 64)]
    public int ConcurrentBatches { get; set; } = 2;
}
