using System.ComponentModel;

namespace CloudLab.AnalyticsService.Models;

public sealed record SalesBucket(
    DateTime Start, string Currency, int Orders, int CancelledOrders, int Units, decimal Revenue, decimal Refunds);

[ImmutableObject(true)]
public sealed record SalesReport(DateTime From, DateTime To, string Granularity, IReadOnlyList<SalesBucket> Buckets);

public sealed record ProductSales(Guid ProductId, int Orders, int Units, decimal Revenue);

[ImmutableObject(true)]
public sealed record TopProductsReport(DateTime From, DateTime To, IReadOnlyList<ProductSales> Products);

[ImmutableObject(true)]
public sealed record UserSummary(
    Guid UserId,
    DateTime? RegisteredAt,
    int Orders,
    int CancelledOrders,
    decimal Spent,
    decimal Refunded,
    DateTime? LastOrderAt);
