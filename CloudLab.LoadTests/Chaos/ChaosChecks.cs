using System.Globalization;

namespace CloudLab.LoadTests.Chaos;

public sealed record OrderLine(Guid ProductId, int Quantity);

/// <summary>An order the app answered 201 for: what the customer was promised.</summary>
public sealed record AcknowledgedOrder(Guid Id, Guid? PaymentId, int Customer, IReadOnlyList<OrderLine> Lines);

/// <summary>An order as OrderService has it after the run.</summary>
public sealed record PlacedOrder(Guid Id, string Status, Guid? PaymentId, IReadOnlyList<OrderLine> Lines)
{
    /// <summary>OrderService's status of an order whose stock went back (the plan cancels none itself).</summary>
    public const string Cancelled = "cancelled";

    public bool KeepsStock => Status != Cancelled;
}

public sealed record ProductSales(int Orders, int Units);

public sealed record ChaosCheck(string Name, bool Passed, string Detail);

/// <summary>What the driver read back after the run, the input of <see cref="ChaosChecks.Evaluate"/>.</summary>
public sealed record ChaosFacts(
    IReadOnlyList<AcknowledgedOrder> Acknowledged,
    IReadOnlyDictionary<Guid, PlacedOrder> ReadBack,
    IReadOnlyList<PlacedOrder> Placed,
    IReadOnlyDictionary<Guid, int> CapturedPayments,
    IReadOnlyDictionary<Guid, int> InitialStock,
    IReadOnlyDictionary<Guid, int> CurrentStock,
    IReadOnlyDictionary<Guid, ProductSales> Analytics,
    IReadOnlyList<ChaosPhaseSummary> Phases,
    int RecoveryGoalSeconds);

/// <summary>The chaos run's verdicts: arithmetic over what was read back, nothing read here.</summary>
public static class ChaosChecks
{
    public static IReadOnlyList<ChaosCheck> Evaluate(ChaosFacts facts) =>
    [
        AcknowledgedReadable(facts),
        PaidExactlyOnce(facts),
        StockConserved(facts),
        NoOversell(facts),
        AnalyticsExact(facts),
        .. facts.Phases.Where(phase => phase.Kind == ChaosPhaseKind.Fault).Select(phase => Recovery(phase, facts)),
        .. facts.Phases.Where(phase => phase.Name == ChaosPhaseNames.ProductReplicaKilled)
            .Take(1)
            .Select(_ => ReplicaCrashCost(facts)),
    ];

    /// <summary>
    /// The errors while one of ProductService's two replicas was dead and until it was back, and in the recovery
    /// after, as a share of the requests in that time: under <see cref="ChaosOptions.ReplicaCrashGoal"/>.
    /// </summary>
    public static ChaosCheck ReplicaCrashCost(ChaosFacts facts)
    {
        var around = facts.Phases
            .Where(phase => phase.Name is ChaosPhaseNames.ProductReplicaKilled or ChaosPhaseNames.AfterProductReplica)
            .ToList();
        var requests = around.Sum(phase => phase.Requests);
        var errors = around.Sum(phase => phase.Errors);
        var share = requests == 0 ? 1 : (double)errors / requests;
        return new ChaosCheck(
            string.Create(
                CultureInfo.InvariantCulture, $"replica crash costs < {ChaosOptions.ReplicaCrashGoal:P1} of requests"),
            requests > 0 && share < ChaosOptions.ReplicaCrashGoal,
            string.Create(
                CultureInfo.InvariantCulture,
                $"{errors:N0} errors of {requests:N0} requests ({share:P2}) from the kill to the end of the "
                + $"recovery after the replica's restart"));
    }

    /// <summary>Every 201 is an order the customer can read, with the lines it was placed with.</summary>
    public static ChaosCheck AcknowledgedReadable(ChaosFacts facts)
    {
        var missing = facts.Acknowledged.Count(order => !facts.ReadBack.ContainsKey(order.Id));
        var changed = facts.Acknowledged.Count(order =>
            facts.ReadBack.TryGetValue(order.Id, out var read) && !SameLines(order.Lines, read.Lines));
        var acknowledged = facts.Acknowledged.Select(order => order.Id).ToHashSet();
        var unacknowledged = facts.Placed.Count(order => !acknowledged.Contains(order.Id));
        return new ChaosCheck(
            "acknowledged orders readable",
            missing == 0 && changed == 0,
            string.Create(
                CultureInfo.InvariantCulture,
                $"{facts.Acknowledged.Count:N0} acknowledged, {facts.Acknowledged.Count - missing:N0} readable, "
                + $"{missing:N0} lost, {changed:N0} with other lines; {facts.Placed.Count:N0} orders in OrderService, "
                + $"{unacknowledged:N0} of them placed without a 201 reaching the driver"));
    }

    /// <summary>
    /// Each kept order has exactly one captured payment, a cancelled one none; a second capture is a double charge.
    /// </summary>
    public static ChaosCheck PaidExactlyOnce(ChaosFacts facts)
    {
        var captured = facts.Placed.Select(order => (order, Count: facts.CapturedPayments.GetValueOrDefault(order.Id)))
            .ToList();
        var doubles = captured.Count(entry => entry.Count > 1);
        var unpaid = captured.Count(entry => entry.order.KeepsStock && entry.Count == 0);
        var cancelledKeepingMoney = captured.Count(entry => !entry.order.KeepsStock && entry.Count > 0);
        var once = captured.Count(entry => entry.Count == 1);
        var unreadable = captured.Count(entry => entry.Count < 0);
        return new ChaosCheck(
            "paid exactly once",
            doubles == 0 && unpaid == 0 && cancelledKeepingMoney == 0 && unreadable == 0,
            string.Create(
                CultureInfo.InvariantCulture,
                $"{once:N0} of {facts.Placed.Count:N0} orders with one captured payment; {doubles:N0} double "
                + $"charges, {unpaid:N0} kept orders unpaid, {cancelledKeepingMoney:N0} cancelled orders still "
                + $"charged, {unreadable:N0} whose payments could not be read"));
    }

    /// <summary>Units sold per product: every line of an order that kept its stock.</summary>
    public static Dictionary<Guid, int> UnitsKept(IEnumerable<PlacedOrder> orders) =>
        orders.Where(order => order.KeepsStock)
            .SelectMany(order => order.Lines)
            .GroupBy(line => line.ProductId)
            .ToDictionary(group => group.Key, group => group.Sum(line => line.Quantity));

    /// <summary>Initial stock minus the units of kept orders is the stock now, for each product of the plan.</summary>
    public static ChaosCheck StockConserved(ChaosFacts facts)
    {
        var sold = UnitsKept(facts.Placed);
        var acknowledgedSold = facts.Acknowledged.SelectMany(order => order.Lines)
            .Where(line => facts.InitialStock.ContainsKey(line.ProductId))
            .Sum(line => line.Quantity);
        var off = facts.InitialStock
            .Select(product => (
                product.Key,
                Expected: product.Value - sold.GetValueOrDefault(product.Key),
                Actual: facts.CurrentStock.TryGetValue(product.Key, out var now) ? now : (int?)null))
            .Where(product => product.Actual != product.Expected)
            .ToList();
        return new ChaosCheck(
            "stock conserved",
            off.Count == 0,
            string.Create(
                CultureInfo.InvariantCulture,
                $"{facts.InitialStock.Count} products, {sold.Values.Sum():N0} units sold in kept orders "
                + $"({acknowledgedSold:N0} in acknowledged ones); {off.Count} products off")
                + string.Concat(off.Take(5).Select(product => string.Create(CultureInfo.InvariantCulture, 
                    $"; {product.Key:N}: expected {product.Expected}, found {product.Actual?.ToString(
                        CultureInfo.InvariantCulture) ?? "unreadable"}"))));
    }

    /// <summary>No product sold more than it had, and none has negative stock.</summary>
    public static ChaosCheck NoOversell(ChaosFacts facts)
    {
        var sold = UnitsKept(facts.Placed);
        var oversold = facts.InitialStock.Count(product =>
            sold.GetValueOrDefault(product.Key) > product.Value
                || facts.CurrentStock.GetValueOrDefault(product.Key) < 0);
        return new ChaosCheck(
            "no oversell",
            oversold == 0,
            string.Create(
                CultureInfo.InvariantCulture,
                $"{oversold} of {facts.InitialStock.Count} products sold more than their stock; "
                + $"{facts.InitialStock.Count(product => sold.GetValueOrDefault(product.Key) == product.Value)} "
                + $"sold out exactly"));
    }

    /// <summary>
    /// Analytics counts each placed order once per product it holds (cancellations do not take sales back), so its
    /// per-product orders and units equal OrderService's.
    /// </summary>
    public static ChaosCheck AnalyticsExact(ChaosFacts facts)
    {
        var expected = ExpectedSales(facts.Placed);
        var off = facts.InitialStock.Keys
            .Select(product => (
                product,
                Expected: expected.GetValueOrDefault(product, new ProductSales(0, 0)),
                Actual: facts.Analytics.GetValueOrDefault(product, new ProductSales(0, 0))))
            .Where(entry => entry.Expected != entry.Actual)
            .ToList();
        var expectedOrders = expected.Values.Sum(sales => sales.Orders);
        var counted = facts.InitialStock.Keys.Sum(product => facts.Analytics.GetValueOrDefault(product)?.Orders ?? 0);
        return new ChaosCheck(
            "analytics exact",
            off.Count == 0,
            string.Create(
                CultureInfo.InvariantCulture,
                $"{counted:N0} order lines counted of {expectedOrders:N0} placed; {off.Count} products off")
                + string.Concat(off.Take(5).Select(entry => string.Create(CultureInfo.InvariantCulture, 
                    $"; {entry.product:N}: expected {entry.Expected.Orders}/{entry.Expected.Units} orders/units, "
                        + $"counted {entry.Actual.Orders}/{entry.Actual.Units}"))));
    }

    public static Dictionary<Guid, ProductSales> ExpectedSales(IEnumerable<PlacedOrder> orders) =>
        orders.SelectMany(order => order.Lines.GroupBy(line => line.ProductId)
                .Select(group => (Product: group.Key, Units: group.Sum(line => line.Quantity))))
            .GroupBy(entry => entry.Product)
            .ToDictionary(
                group => group.Key, group => new ProductSales(group.Count(), group.Sum(entry => entry.Units)));

    public static ChaosCheck Recovery(ChaosPhaseSummary fault, ChaosFacts facts) =>
        new(
            $"recovery after {fault.Name} ≤ {facts.RecoveryGoalSeconds} s",
            fault.RecoverySeconds is { } seconds && seconds <= facts.RecoveryGoalSeconds,
            fault.RecoverySeconds is { } recovered
                ? string.Create(
                    CultureInfo.InvariantCulture,
                    $"first error-free second {recovered} s after the fault ended; "
                    + $"{fault.Errors:N0} errors of {fault.Requests:N0} requests during it")
                : "no error-free second after the fault within the run");

    private static bool SameLines(IReadOnlyList<OrderLine> left, IReadOnlyList<OrderLine> right) =>
        left.OrderBy(line => line.ProductId).SequenceEqual(right.OrderBy(line => line.ProductId));
}
