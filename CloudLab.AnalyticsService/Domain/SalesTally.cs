using CloudLab.Contracts;

namespace CloudLab.AnalyticsService.Domain;

/// <summary>
/// What a batch of events adds to the aggregates, summed in memory first: many events then cost one upsert per
/// aggregate row instead of three statements each.
/// </summary>
public sealed class SalesTally
{
    public Dictionary<(DateTime Bucket, string Currency), SalesDelta> Sales { get; } = [];
    public Dictionary<(DateTime Bucket, Guid ProductId), ProductDelta> Products { get; } = [];
    public Dictionary<Guid, UserDelta> Users { get; } = [];

    public bool IsEmpty => Sales.Count == 0 && Products.Count == 0 && Users.Count == 0;

    /// <summary>Adds one event; false for a type that adds nothing up (PaymentCaptured, and types to come).</summary>
    public bool Add(object integrationEvent)
    {
        switch (integrationEvent)
        {
            case OrderPlaced placed:
                var bucket = Hour(placed.PlacedAt);
                var units = placed.Lines.Sum(line => line.Quantity);
                Sales[(bucket, placed.Currency)] = Sale(bucket, placed.Currency) with
                {
                    Orders = Sale(bucket, placed.Currency).Orders + 1,
                    Units = Sale(bucket, placed.Currency).Units + units,
                    Revenue = Sale(bucket, placed.Currency).Revenue + placed.Total,
                };
                foreach (var line in placed.Lines)
                {
                    var product = Products.GetValueOrDefault((bucket, line.ProductId));
                    Products[(bucket, line.ProductId)] = new ProductDelta(
                        product.Orders + 1,
                        product.Units + line.Quantity,
                        product.Revenue + (line.Quantity * line.UnitPrice));
                }

                Users[placed.UserId] = User(placed.UserId) with
                {
                    Orders = User(placed.UserId).Orders + 1,
                    Spent = User(placed.UserId).Spent + placed.Total,
                    LastOrderAt = Latest(User(placed.UserId).LastOrderAt, placed.PlacedAt.UtcDateTime),
                };
                return true;
            case OrderCancelled cancelled:
                var cancelledIn = Hour(cancelled.CancelledAt);
                Sales[(cancelledIn, cancelled.Currency)] = Sale(cancelledIn, cancelled.Currency) with
                {
                    CancelledOrders = Sale(cancelledIn, cancelled.Currency).CancelledOrders + 1,
                };
                Users[cancelled.UserId] = User(cancelled.UserId) with
                {
                    CancelledOrders = User(cancelled.UserId).CancelledOrders + 1,
                };
                return true;
            case PaymentRefunded refunded:
                var refundedIn = Hour(refunded.RefundedAt);
                Sales[(refundedIn, refunded.Currency)] = Sale(refundedIn, refunded.Currency) with
                {
                    Refunds = Sale(refundedIn, refunded.Currency).Refunds + refunded.Amount,
                };
                Users[refunded.UserId] = User(refunded.UserId) with
                {
                    Refunded = User(refunded.UserId).Refunded + refunded.Amount,
                };
                return true;
            case UserRegistered registered:
                Users[registered.UserId] = User(registered.UserId) with
                {
                    RegisteredAt = registered.RegisteredAt.UtcDateTime,
                };
                return true;
            default:
                return false;
        }
    }

    private SalesDelta Sale(DateTime bucket, string currency) =>
        Sales.GetValueOrDefault((bucket, currency)) ?? new SalesDelta();

    private UserDelta User(Guid userId) => Users.GetValueOrDefault(userId) ?? new UserDelta();

    private static DateTime Hour(DateTimeOffset at)
    {
        var utc = at.UtcDateTime;
        return new DateTime(utc.Year, utc.Month, utc.Day, utc.Hour, 0, 0, DateTimeKind.Utc);
    }

    private static DateTime? Latest(DateTime? current, DateTime candidate) =>
        current is { } known && known >= candidate ? known : candidate;
}

public sealed record SalesDelta(
    int Orders = 0, int CancelledOrders = 0, int Units = 0, decimal Revenue = 0, decimal Refunds = 0);

public readonly record struct ProductDelta(int Orders, int Units, decimal Revenue);

public sealed record UserDelta(
    DateTime? RegisteredAt = null,
    int Orders = 0,
    int CancelledOrders = 0,
    decimal Spent = 0,
    decimal Refunded = 0,
    DateTime? LastOrderAt = null);
