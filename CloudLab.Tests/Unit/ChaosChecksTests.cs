using CloudLab.LoadTests.Chaos;

namespace CloudLab.Tests.Unit;

public sealed class ChaosChecksTests
{
    private static readonly Guid Plenty = Guid.NewGuid();
    private static readonly Guid Scarce = Guid.NewGuid();

    [Fact]
    public void Recovery_is_the_seconds_from_a_faults_end_to_the_first_whole_second_without_errors()
    {
        var timeline = new ChaosTimeline();
        for (var second = 0; second < 10; second++)
        {
            timeline.Record(second, ChaosRequestKind.Read, 200);
        }

        // The fault ends at 3.4 s; seconds 4 and 5 still fail, second 6 is clean.
        timeline.Record(4, ChaosRequestKind.Order, 503);
        timeline.Record(5, ChaosRequestKind.Order, 0);

        Assert.Equal(2, ChaosTimeline.RecoverySeconds(timeline.Seconds(), 3.4));
        Assert.Equal(0, ChaosTimeline.RecoverySeconds(timeline.Seconds(), 5.5));
        Assert.Null(ChaosTimeline.RecoverySeconds(timeline.Seconds(), 10));
    }

    [Fact]
    public void A_second_without_requests_does_not_count_as_recovered()
    {
        var timeline = new ChaosTimeline();
        timeline.Record(0, ChaosRequestKind.Read, 500);
        timeline.Record(2, ChaosRequestKind.Read, 200);

        Assert.Equal(2, ChaosTimeline.RecoverySeconds(timeline.Seconds(), 0));
    }

    [Fact]
    public void Items_not_available_is_an_answer_for_an_order_but_no_answer_5xx_and_429_are_errors()
    {
        Assert.False(ChaosTimeline.IsError(ChaosRequestKind.Order, 422));
        Assert.False(ChaosTimeline.IsError(ChaosRequestKind.Order, 409));
        Assert.True(ChaosTimeline.IsError(ChaosRequestKind.Read, 409));
        Assert.False(ChaosTimeline.IsError(ChaosRequestKind.Read, 304));
        Assert.False(ChaosTimeline.IsError(ChaosRequestKind.Order, 201));
        Assert.True(ChaosTimeline.IsError(ChaosRequestKind.Order, 0));
        Assert.True(ChaosTimeline.IsError(ChaosRequestKind.Order, 429));
        Assert.True(ChaosTimeline.IsError(ChaosRequestKind.Order, 504));
        Assert.True(ChaosTimeline.IsError(ChaosRequestKind.Read, 404));
    }

    [Fact]
    public void Phases_count_the_errors_of_the_seconds_they_hold_by_status()
    {
        var timeline = new ChaosTimeline();
        timeline.Record(0, ChaosRequestKind.Order, 201);
        timeline.Record(1, ChaosRequestKind.Order, 503);
        timeline.Record(1, ChaosRequestKind.Order, 409);
        timeline.Record(2, ChaosRequestKind.Read, 200);
        ChaosPhase[] phases =
        [
            new("baseline", ChaosPhaseKind.Baseline, 0, 1),
            new("fault", ChaosPhaseKind.Fault, 1, 1.6),
            new("after", ChaosPhaseKind.Recovery, 1.6, 3),
        ];

        var summaries = ChaosTimeline.Summarize(timeline.Seconds(), phases);

        Assert.Equal((1, 0), (summaries[0].Requests, summaries[0].Errors));
        Assert.Equal((2, 1), (summaries[1].Requests, summaries[1].Errors));
        Assert.Equal(1, summaries[1].ErrorStatuses["order 503"]);
        Assert.False(summaries[1].ErrorStatuses.ContainsKey("order 409"));
        Assert.Equal(0, summaries[1].RecoverySeconds); // second 2 is clean
        Assert.Null(summaries[2].RecoverySeconds);
        Assert.Equal(4, summaries.Sum(phase => phase.Requests)); // second 1 is the fault's only, counted once
    }

    [Fact]
    public void Everything_kept_gives_passing_checks()
    {
        var checks = ChaosChecks.Evaluate(Facts());

        Assert.All(checks, check => Assert.True(check.Passed, $"{check.Name}: {check.Detail}"));
    }

    [Fact]
    public void An_acknowledged_order_that_cannot_be_read_is_lost()
    {
        var facts = Facts();
        var readBack = new Dictionary<Guid, PlacedOrder>(facts.ReadBack);
        readBack.Remove(facts.Acknowledged[0].Id);

        var check = ChaosChecks.AcknowledgedReadable(facts with { ReadBack = readBack });

        Assert.False(check.Passed);
        Assert.Contains("1 lost", check.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Two_captured_payments_for_one_order_are_a_double_charge()
    {
        var facts = Facts();
        var payments = new Dictionary<Guid, int>(facts.CapturedPayments) { [facts.Placed[0].Id] = 2 };

        var check = ChaosChecks.PaidExactlyOnce(facts with { CapturedPayments = payments });

        Assert.False(check.Passed);
        Assert.Contains("1 double", check.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void A_cancelled_order_gives_its_stock_back_and_keeps_no_money()
    {
        var facts = Facts();
        var cancelled = facts.Placed[0] with { Status = PlacedOrder.Cancelled };
        var placed = facts.Placed.Skip(1).Prepend(cancelled).ToList();
        // The cancelled order's 2 units of the plentiful product are back; its payment was refunded.
        var stock = new Dictionary<Guid, int>(facts.CurrentStock) { [Plenty] = 100 - 1 };
        var payments = new Dictionary<Guid, int>(facts.CapturedPayments) { [cancelled.Id] = 0 };

        var cancelledFacts = facts with { Placed = placed, CurrentStock = stock, CapturedPayments = payments };

        Assert.True(ChaosChecks.StockConserved(cancelledFacts).Passed);
        Assert.True(ChaosChecks.PaidExactlyOnce(cancelledFacts).Passed);
        Assert.False(ChaosChecks.StockConserved(facts with { Placed = placed }).Passed);
    }

    [Fact]
    public void Selling_more_than_the_stock_is_oversell_and_breaks_conservation()
    {
        var facts = Facts();
        var extra = new PlacedOrder(Guid.NewGuid(), "paid", Guid.NewGuid(), [new OrderLine(Scarce, 1)]);
        var oversold = facts with
        {
            Placed = [.. facts.Placed, extra],
            CurrentStock = new Dictionary<Guid, int>(facts.CurrentStock) { [Scarce] = -1 },
        };

        Assert.False(ChaosChecks.NoOversell(oversold).Passed);
        Assert.True(ChaosChecks.StockConserved(oversold).Passed); // -1 is what 5 - 6 leaves: counted, yet oversold
    }

    [Fact]
    public void Analytics_must_count_every_placed_order_once_per_product()
    {
        var facts = Facts();
        var expected = ChaosChecks.ExpectedSales(facts.Placed);

        Assert.Equal(new ProductSales(2, 3), expected[Plenty]);
        Assert.Equal(new ProductSales(1, 5), expected[Scarce]);
        var missing = new Dictionary<Guid, ProductSales>(facts.Analytics) { [Plenty] = new ProductSales(1, 2) };
        Assert.False(ChaosChecks.AnalyticsExact(facts with { Analytics = missing }).Passed);
    }

    [Fact]
    public void A_fault_whose_errors_outlast_the_goal_fails_its_recovery_check()
    {
        var facts = Facts();
        var slow = new ChaosPhaseSummary(
            "Redis killed", ChaosPhaseKind.Fault, 10, 20, 100, 9, new Dictionary<string, int>(), 6);

        Assert.False(ChaosChecks.Recovery(slow, facts).Passed);
        Assert.True(ChaosChecks.Recovery(slow with { RecoverySeconds = 5 }, facts).Passed);
        Assert.False(ChaosChecks.Recovery(slow with { RecoverySeconds = null }, facts).Passed);
    }

    [Fact]
    public void A_replica_crash_passes_only_under_a_thousandth_of_the_requests_around_it()
    {
        var facts = Facts();
        ChaosPhaseSummary Phase(string name, string kind, int requests, int errors) =>
            new(name, kind, 0, 1, requests, errors, new Dictionary<string, int>(), null);

        var cheap = facts with
        {
            Phases =
            [
                .. facts.Phases,
                Phase(ChaosPhaseNames.ProductReplicaKilled, ChaosPhaseKind.Fault, 3_000, 2),
                Phase(ChaosPhaseNames.AfterProductReplica, ChaosPhaseKind.Recovery, 2_000, 2),
            ],
        };
        var oneMore = Phase(ChaosPhaseNames.AfterProductReplica, ChaosPhaseKind.Recovery, 0, 1);
        var costly = cheap with { Phases = [.. cheap.Phases, oneMore] };

        Assert.True(ChaosChecks.ReplicaCrashCost(cheap).Passed); // 4 of 5,000: 0.08 %
        Assert.False(ChaosChecks.ReplicaCrashCost(costly).Passed); // 5 of 5,000: 0.1 %
        static bool IsReplicaCheck(ChaosCheck check) => check.Name.StartsWith("replica", StringComparison.Ordinal);
        Assert.Contains(ChaosChecks.Evaluate(cheap), IsReplicaCheck);
        Assert.DoesNotContain(ChaosChecks.Evaluate(facts), IsReplicaCheck);
    }

    /// <summary>
    /// Three orders of two products (100 and 5 in stock), all acknowledged, readable, paid once and counted.
    /// </summary>
    private static ChaosFacts Facts()
    {
        PlacedOrder[] placed =
        [
            new(Guid.NewGuid(), "paid", Guid.NewGuid(), [new OrderLine(Plenty, 2)]),
            new(Guid.NewGuid(), "paid", Guid.NewGuid(), [new OrderLine(Plenty, 1)]),
            new(Guid.NewGuid(), "shipped", Guid.NewGuid(), [new OrderLine(Scarce, 5)]),
        ];
        var acknowledged = placed
            .Select((order, index) => new AcknowledgedOrder(order.Id, order.PaymentId, index, order.Lines))
            .ToList();
        return new ChaosFacts(
            acknowledged,
            placed.ToDictionary(order => order.Id),
            placed,
            placed.ToDictionary(order => order.Id, _ => 1),
            new Dictionary<Guid, int> { [Plenty] = 100, [Scarce] = 5 },
            new Dictionary<Guid, int> { [Plenty] = 97, [Scarce] = 0 },
            new Dictionary<Guid, ProductSales> { [Plenty] = new(2, 3), [Scarce] = new(1, 5) },
            [
                new ChaosPhaseSummary(
                    "PostgreSQL frozen", ChaosPhaseKind.Fault, 15, 25, 100, 10, new Dictionary<string, int>(), 1),
            ],
            ChaosOptions.RecoveryGoalSeconds);
    }
}
