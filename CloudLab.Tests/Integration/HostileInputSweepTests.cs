using System.Diagnostics;
using System.Text.Json.Nodes;
using CloudLab.Tests.Infrastructure;
using CloudLab.Tests.Infrastructure.Sweep;
using Xunit.Abstractions;

namespace CloudLab.Tests.Integration;

/// <summary>
/// Every operation of every service's OpenAPI document, swept with malformed, oversize, wrong-type and hostile values
/// in each parameter and body field, and with real and forged tokens: nothing a client sends is answered 5xx, and no
/// text that no field takes (NUL, control characters, broken UTF-16/UTF-8, 100k characters) is accepted.
/// </summary>
[Collection(CloudLabCollection.Name)]
public sealed class HostileInputSweepTests(CloudLabAppFixture app, ITestOutputHelper output)
{
    private const int Parallelism = 8;
    private const int MinimumHandled = 1_000;
    private const int MaxListed = 60;
    private const int CreationRounds = 3;

    [Fact]
    public async Task No_hostile_request_built_from_the_OpenAPI_documents_gets_a_5xx_or_is_accepted()
    {
        var admin = await app.AdminAsync();
        var customer = await app.RegisterCustomerAsync();
        var asAdmin = new SweepCaller("admin", "Bearer " + admin.Token) { IsSignedIn = true };
        var callers = new List<SweepCaller>
        {
            new("anonymous", null),
            new("customer", "Bearer " + customer.Token) { IsSignedIn = true },
            asAdmin,
        };
        callers.AddRange(ForgedTokens.For(admin.Id).Select(forged => new SweepCaller(forged.Name, forged.Header)));

        var ids = new SweepIds();
        var operations = new List<SweepOperation>();
        foreach (var service in CloudLabAppFixture.Services)
        {
            using var client = app.Client(service);
            operations.AddRange(await OpenApiOperations.ReadAsync(client, service, ids));
        }

        operations.AddRange(UndocumentedOperations());
        using var runner = new SweepRunner(service =>
        {
            using var client = app.Client(service);
            return client.BaseAddress!;
        });
        var clock = Stopwatch.StartNew();
        var outcomes = new List<SweepOutcome>();
        // A few rounds of valid creations first (a category, then a product in it…), so that hostile values meet
        // real rows of the sweep's own.
        for (var round = 0; round < CreationRounds; round++)
        {
            var creations = operations
                .Where(operation => operation.Method == HttpMethod.Post && !operation.PathTemplate.Contains('{'))
                .Select(operation => SweepCases.AsSent(ids, operation, asAdmin))
                .ToList();
            foreach (var created in await runner.RunAsync(creations, Parallelism))
            {
                outcomes.Add(created);
                if (created.Status is >= 200 and < 300)
                {
                    ids.Learn(created.Case.Operation.PathTemplate, created.Body);
                }
            }
        }

        var cases = SweepCases.For(operations, callers, ids);
        // Interleaved, so that each service and caller sees a steady trickle rather than one burst after another.
        var shuffled = cases.OrderBy(_ => Random.Shared.Next()).ToList();

        outcomes.AddRange(await runner.RunAsync(shuffled, Parallelism));
        clock.Stop();

        var handled = outcomes.Count(outcome => outcome.Status is not null && !outcome.RefusedByRateLimiter);
        output.WriteLine(
            $"{operations.Count} operations, {outcomes.Count} requests in {clock.Elapsed.TotalSeconds:F1} s; "
                + $"{handled} answered past the rate limiter, {outcomes.Sum(outcome => outcome.RateLimitRetries)} "
                + $"retries after a rate-limit 429, {outcomes.Sum(outcome => outcome.UnavailableRetries)} "
                + "after a 503/504");
        foreach (var group in outcomes.GroupBy(outcome => outcome.Status).OrderBy(group => group.Key))
        {
            output.WriteLine($"  {group.Key?.ToString() ?? "no answer"}: {group.Count()}");
        }

        var failed = outcomes.Where(outcome => outcome.Status is null or >= 500).ToList();
        var accepted = outcomes
            .Where(outcome => outcome.Case.MustBeRefused
                && outcome.Case.Caller.IsSignedIn
                && outcome.Status is >= 200 and < 300)
            .ToList();
        // A forged token is worth no more than none: what an anonymous caller is refused, a forged one is too.
        var openToAnyone = outcomes
            .Where(outcome => outcome.Case.Caller.Authorization is null && outcome.Status is >= 200 and < 300)
            .Select(outcome => outcome.Case.Operation)
            .ToHashSet();
        var trusted = outcomes
            .Where(outcome => outcome.Case.Caller is { IsSignedIn: false, Authorization: not null }
                && outcome.Status is >= 200 and < 300
                && !openToAnyone.Contains(outcome.Case.Operation))
            .ToList();
        Assert.True(failed.Count == 0, Report($"{failed.Count} request(s) got a 5xx or no answer", failed));
        Assert.True(trusted.Count == 0, Report($"{trusted.Count} forged token(s) served as signed in", trusted));
        Assert.True(accepted.Count == 0, Report($"{accepted.Count} hostile value(s) accepted with a 2xx", accepted));
        Assert.True(
            handled >= MinimumHandled,
            $"only {handled} of {outcomes.Count} requests got past the rate limiter (at least {MinimumHandled})");
    }

    /// <summary>
    /// Routes the documents leave out on purpose (the simulated gateway stands in for an external one) still take
    /// input from anyone who can reach them.
    /// </summary>
    private static IEnumerable<SweepOperation> UndocumentedOperations()
    {
        var key = new SweepParameter("key", "path", new JsonObject { ["type"] = "string" }, true);
        var idempotencyKey = new SweepParameter(
            "Idempotency-Key", "header", new JsonObject { ["type"] = "string" }, true);
        yield return new SweepOperation(
            "paymentservice", HttpMethod.Post, "/simulated-gateway/charges", [idempotencyKey],
            () => new JsonObject { ["amount"] = 60_000, ["currency"] = "USD" });
        yield return new SweepOperation(
            "paymentservice", HttpMethod.Post, "/simulated-gateway/charges/{key}/refund", [key], null);
    }

    private static string Report(string headline, IReadOnlyList<SweepOutcome> outcomes) =>
        string.Join(
            Environment.NewLine,
            outcomes.Take(MaxListed).Select(outcome => "  " + outcome).Prepend(headline)
                .Append(outcomes.Count > MaxListed ? $"  … and {outcomes.Count - MaxListed} more" : string.Empty));
}
