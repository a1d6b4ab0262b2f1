using System.Diagnostics;
using System.Globalization;
using CloudLab.LoadTests.Scenarios;
using Spectre.Console;

namespace CloudLab.LoadTests.Chaos;

/// <summary>How hard and how long a chaos run pushes.</summary>
public sealed record ChaosOptions(
    double OrderRate, double ReadRate, int Products, int ScarceProducts, ChaosDurations Durations)
{
    public const int RecoveryGoalSeconds = 5;
    public const int WarmUpRampSeconds = 15;
    public const int WarmUpMaxWaitSeconds = 45;

    /// <summary>The issue's goal: a crashed replica costs less than 0.1 % of the requests around it.</summary>
    public const double ReplicaCrashGoal = 0.001;

    /// <summary>OrderService's saga recovery: a minute after a saga stopped, swept every 15 s, plus margin.</summary>
    public static readonly TimeSpan SagaRecoveryWindow = TimeSpan.FromSeconds(90);

    /// <summary>The gateway fails a third of its calls and loses a fifth of its answers (charged, not told).</summary>
    public const double GatewayErrorRate = 0.33;
    public const double GatewayLostResponseRate = 0.2;
}

/// <summary>How long each stretch of a chaos run lasts: the full plan, or its short form (<c>--short</c>).</summary>
public sealed record ChaosDurations(
    TimeSpan Baseline,
    TimeSpan PostgresFrozen,
    TimeSpan RedisFrozen,
    TimeSpan RedisDown,
    TimeSpan GatewayFailing,
    TimeSpan ReplicaDown,
    TimeSpan Recovery,
    TimeSpan Quiesce)
{
    public static readonly ChaosDurations Full = new(
        Baseline: Seconds(15),
        PostgresFrozen: Seconds(10),
        RedisFrozen: Seconds(10),
        RedisDown: Seconds(15),
        GatewayFailing: Seconds(15),
        ReplicaDown: Seconds(20),
        Recovery: Seconds(15),
        Quiesce: Seconds(15));

    /// <summary>Every fault, shorter; each recovery phase twice the recovery goal, so the same checks hold.</summary>
    public static readonly ChaosDurations Short = new(
        Baseline: Seconds(5),
        PostgresFrozen: Seconds(5),
        RedisFrozen: Seconds(5),
        RedisDown: Seconds(5),
        GatewayFailing: Seconds(5),
        ReplicaDown: Seconds(10),
        Recovery: Seconds(2 * ChaosOptions.RecoveryGoalSeconds),
        Quiesce: Seconds(10));

    private static TimeSpan Seconds(int seconds) => TimeSpan.FromSeconds(seconds);
}

/// <summary>The names of the chaos run's phases that its checks look for.</summary>
public static class ChaosPhaseNames
{
    public const string ProductReplicaKilled = "product replica killed";
    public const string AfterProductReplica = "after product replica";
}

/// <summary>
/// Faults under a steady workload, one after the other with a recovery between them: PostgreSQL frozen, Redis frozen,
/// Redis killed and restarted, the payment gateway failing and losing answers, one of ProductService's two replicas
/// killed and started again. Then the run checks that nothing promised was lost.
/// </summary>
public sealed class ChaosPlan(HttpClient client, Targets targets, Sessions sessions, int seededProducts, bool quiet)
{
    public async Task<ChaosReport> RunAsync(ChaosOptions options, CancellationToken cancellationToken)
    {
        var started = DateTimeOffset.UtcNow;
        var durations = options.Durations;
        var verifier = new ChaosVerifier(client, targets, sessions);
        var initialStock = await verifier.CreateProductsAsync(
            options.Products, options.ScarceProducts, cancellationToken);
        var traffic = new ChaosTraffic(client, targets, sessions, [.. initialStock.Keys], seededProducts);
        var phases = new List<ChaosPhase>();
        var notes = new List<string>();
        var clock = Stopwatch.StartNew();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var running = traffic.RunAsync(clock, options.OrderRate, options.ReadRate, stop.Token);

        // For the whole run: the Redis it restarts must serve until the checks have read everything back.
        await using var faults = AppFaults.Find(targets);
        await WarmUpAsync();
        await PhaseAsync("baseline", ChaosPhaseKind.Baseline, durations.Baseline);

        await FaultAsync(
            "PostgreSQL frozen",
            faults.FreezePostgresAsync,
            durations.PostgresFrozen,
            faults.ResumePostgresAsync);
        await PhaseAsync("after PostgreSQL", ChaosPhaseKind.Recovery, durations.Recovery);

        await FaultAsync("Redis frozen", faults.FreezeRedisAsync, durations.RedisFrozen, faults.ResumeRedisAsync);
        await PhaseAsync("after Redis frozen", ChaosPhaseKind.Recovery, durations.Recovery);

        RedisServer? redis = null;
        await FaultAsync(
            "Redis killed",
            async () => redis = await faults.KillRedisAsync(),
            durations.RedisDown,
            () => redis is null ? Task.CompletedTask : faults.RestartRedisAsync(redis));
        await PhaseAsync("after Redis", ChaosPhaseKind.Recovery, durations.Recovery);

        await FaultAsync(
            "gateway failing",
            () =>
            {
                faults.BreakGateway(ChaosOptions.GatewayErrorRate, ChaosOptions.GatewayLostResponseRate);
                return Task.CompletedTask;
            },
            durations.GatewayFailing,
            () =>
            {
                faults.RestoreGateway();
                return Task.CompletedTask;
            });
        await PhaseAsync("after gateway", ChaosPhaseKind.Recovery, durations.Recovery);

        ReplicaProcess? replica = null;
        await FaultAsync(
            ChaosPhaseNames.ProductReplicaKilled,
            async () => replica = await faults.KillProductReplicaAsync(),
            durations.ReplicaDown,
            // DCP does not restart a replica that died; the run starts it again as a supervisor would.
            () => replica is null ? Task.CompletedTask : faults.RestartReplicaAsync(replica, cancellationToken));
        await PhaseAsync(ChaosPhaseNames.AfterProductReplica, ChaosPhaseKind.Recovery, durations.Recovery);
        if (replica is not null)
        {
            var served = await faults.RestartedReplicaRequestsAsync(replica);
            var answered = served?.ToString("N0", CultureInfo.InvariantCulture) ?? "an unknown number of";
            notes.Add(string.Create(
                CultureInfo.InvariantCulture,
                $"Product replica crash: one of two replicas killed with SIGKILL; DCP did not start it again, the run "
                + $"started it on its port after {durations.ReplicaDown.TotalSeconds:N0} s. In the "
                + $"{durations.Recovery.TotalSeconds:N0} s after, it answered {answered} product API requests."));
        }

        await stop.CancelAsync();
        await running;
        var trafficStopped = clock.Elapsed;
        var seconds = traffic.Timeline.Seconds();
        Say($"Traffic stopped at {clock.Elapsed.TotalSeconds:N0} s; quiescing {durations.Quiesce.TotalSeconds} s.");
        await Task.Delay(durations.Quiesce, cancellationToken);

        var unhealthy = await verifier.UnhealthyAsync(cancellationToken);
        if (unhealthy.Count > 0)
        {
            notes.Add($"Not healthy a minute after the quiet period: {string.Join(", ", unhealthy)}.");
            notes.AddRange(unhealthy.SelectMany(service => ResourceLogTail.Of($"{service}service")));
        }

        var acknowledged = traffic.Acknowledged.ToList();
        Say($"Reading back {acknowledged.Count:N0} acknowledged orders.");
        var readBack = await verifier.ReadBackAsync(acknowledged, cancellationToken);
        Say("Listing the customers' orders.");
        var placed = await verifier.PlacedAsync(initialStock.Keys.ToHashSet(), cancellationToken);
        Say($"Reading the payments of {placed.Count:N0} orders.");
        var payments = await verifier.CapturedPaymentsAsync(placed, cancellationToken);
        var stock = await verifier.StockAsync(initialStock.Keys, cancellationToken);
        var stockFacts = new ChaosFacts(
            acknowledged,
            readBack,
            placed,
            payments,
            initialStock,
            stock,
            new Dictionary<Guid, ProductSales>(),
            [],
            ChaosOptions.RecoveryGoalSeconds);
        if (!ChaosChecks.StockConserved(stockFacts).Passed)
        {
            // OrderService releases the reservation of a saga a fault interrupted only after its recovery delay
            // (a minute, swept every 15 s): an order failed near the end still holds stock until then.
            var first = ChaosChecks.StockConserved(stockFacts).Detail;
            var wait = ChaosOptions.SagaRecoveryWindow - (clock.Elapsed - trafficStopped);
            Say($"Stock off; reading it again in {Math.Max(0, wait.TotalSeconds):N0} s (saga recovery window).");
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, cancellationToken);
            }

            stock = await verifier.StockAsync(initialStock.Keys, cancellationToken);
            notes.Add($"Stock read right after the quiet period was off ({first}); the check uses a second read "
                + $"{ChaosOptions.SagaRecoveryWindow.TotalSeconds:N0} s after the traffic stopped, past OrderService's "
                + "saga recovery window.");
            var inDatabase = await faults.StockInDatabaseAsync(initialStock.Keys);
            var differing = stock.Where(entry => inDatabase.GetValueOrDefault(entry.Key) != entry.Value)
                .Select(entry =>
                    $"{entry.Key:N}: API {entry.Value}, database {inDatabase.GetValueOrDefault(entry.Key)}")
                .ToList();
            notes.Add(differing.Count == 0
                ? "The database holds the same stock as the API answered (no stale cached copy)."
                : "The API's stock differs from the database's (a stale cached copy): "
                    + $"{string.Join("; ", differing)}.");
        }

        Say("Reading analytics.");
        var (analytics, analyticsReads) = await AnalyticsAsync(verifier, started, placed, cancellationToken);
        notes.AddRange(verifier.Problems.OrderBy(problem => problem.Key, StringComparer.Ordinal)
            .Select(problem => $"While reading back, {problem.Key}: e.g. {problem.Value}."));
        notes.Add($"Analytics read {analyticsReads} time(s) after the quiet period "
            + "(each read a fresh report, at most 30 s of polling).");
        if (traffic.Skipped > 0)
        {
            notes.Add($"The driver skipped {traffic.Skipped:N0} requests: too many were waiting for answers.");
        }

        var summaries = ChaosTimeline.Summarize(seconds, phases);
        var checks = ChaosChecks.Evaluate(new ChaosFacts(
            acknowledged, readBack, placed, payments, initialStock, stock, analytics, summaries,
            ChaosOptions.RecoveryGoalSeconds));
        return new ChaosReport(started, options, summaries, checks, seconds, notes);

        // A just-started app is slow (JIT, pools, caches): ramp up, then wait for five clean seconds in a row.
        async Task WarmUpAsync()
        {
            var start = clock.Elapsed.TotalSeconds;
            Say($"{start,6:N1} s  warm-up");
            for (var step = 1; step <= ChaosOptions.WarmUpRampSeconds; step++)
            {
                traffic.RateFactor = (double)step / ChaosOptions.WarmUpRampSeconds;
                await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
            }

            var deadline = clock.Elapsed.TotalSeconds + ChaosOptions.WarmUpMaxWaitSeconds;
            while (clock.Elapsed.TotalSeconds < deadline)
            {
                // Answers come late: judge whole seconds that ended at least 3 s ago.
                var judged = traffic.Timeline.Seconds().Take((int)clock.Elapsed.TotalSeconds - 3).TakeLast(5).ToList();
                if (judged.Count == 5 && judged.All(second => second is { Requests: > 0, Errors: 0 }))
                {
                    break;
                }

                await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
            }

            phases.Add(new ChaosPhase("warm-up", ChaosPhaseKind.WarmUp, start, clock.Elapsed.TotalSeconds));
            if (clock.Elapsed.TotalSeconds >= deadline)
            {
                var longest = ChaosOptions.WarmUpRampSeconds + ChaosOptions.WarmUpMaxWaitSeconds;
                notes.Add($"The warm-up did not reach five error-free seconds in a row within {longest} s; the "
                    + "faults ran anyway.");
            }
        }

        async Task PhaseAsync(string name, string kind, TimeSpan duration)
        {
            var start = clock.Elapsed.TotalSeconds;
            Say($"{start,6:N1} s  {name}");
            await Task.Delay(duration, cancellationToken);
            phases.Add(new ChaosPhase(name, kind, start, clock.Elapsed.TotalSeconds));
        }

        async Task FaultAsync(string name, Func<Task> inject, TimeSpan duration, Func<Task> heal)
        {
            var start = clock.Elapsed.TotalSeconds;
            Say($"{start,6:N1} s  {name}");
            try
            {
                await inject();
                await Task.Delay(duration, cancellationToken);
            }
            finally
            {
                await heal();
                phases.Add(new ChaosPhase(name, ChaosPhaseKind.Fault, start, clock.Elapsed.TotalSeconds));
            }
        }
    }

    /// <summary>Polls analytics until it matches OrderService's orders, or 30 s have passed.</summary>
    private static async Task<(Dictionary<Guid, ProductSales> Sales, int Reads)> AnalyticsAsync(
        ChaosVerifier verifier,
        DateTimeOffset started,
        IReadOnlyList<PlacedOrder> placed,
        CancellationToken cancellationToken)
    {
        var expected = ChaosChecks.ExpectedSales(placed);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        for (var attempt = 1; ; attempt++)
        {
            var sales = await verifier.AnalyticsAsync(started, attempt, cancellationToken);
            var exact = expected.All(entry => sales.GetValueOrDefault(entry.Key) == entry.Value);
            if (exact || DateTime.UtcNow > deadline)
            {
                return (sales, attempt);
            }

            await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken);
        }
    }

    private void Say(string text)
    {
        if (!quiet)
        {
            AnsiConsole.WriteLine(text);
        }
    }
}
