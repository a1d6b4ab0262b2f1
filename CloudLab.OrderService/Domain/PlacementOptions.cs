using System.ComponentModel.DataAnnotations;

namespace CloudLab.OrderService.Domain;

/// <summary>How order placement batches run (configuration section <c>Placement</c>).</summary>
public sealed class PlacementOptions
{
    /// <summary>
    /// How many placement batches may run at once. Each batch costs CPU whatever its size (transactions, HTTP
    /// exchanges, the threads they wake), so more batches in flight shorten an order's wait for one to start and spend
    /// CPU on more, smaller batches. On 2 cores at 500 orders/s, 2 at once cost 15 % less CPU per order than 4 (about
    /// 11 ms per batch saved) but made orders wait longer: p95 288–289 ms against 259–282 (round 13 of the write path
    /// in docs/performance).
    /// </summary>
    [Range(1, 64)]
    public int ConcurrentBatches { get; set; } = 4;
}
