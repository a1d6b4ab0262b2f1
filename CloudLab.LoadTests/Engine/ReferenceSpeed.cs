using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace CloudLab.LoadTests.Engine;

/// <summary>
/// How fast this machine's cores are when a run starts and ends: one thread per core repeats a fixed piece of work
/// (the JSON round trip of an order-sized document: allocation, copying and parsing, like the services' own) for a
/// second and a half after three seconds of the same to have it compiled, and the reading is the mean rounds per
/// second per core. The same code on the same 2-core machine ran the order target at p95 356 ms at 05:45 and 134 ms
/// at 07:14 on 2026-12-01, with no steal recorded either time: two runs' latencies compare only at alike readings.
/// </summary>
/// <remarks>
/// Hand-rolled rather than BenchmarkDotNet: this is a probe of a few seconds inside a load run, not a benchmark of
/// the code, and its only use is the ratio between readings taken the same way.
/// </remarks>
public static class ReferenceSpeed
{
    private static readonly TimeSpan WarmUp = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan Measured = TimeSpan.FromMilliseconds(1500);

    private static readonly ReferenceDocument Document = new(
        Guid.Parse("0192f0a4-7c1e-7000-8000-000000000001"),
        "EUR",
        [.. Enumerable.Range(1, 12).Select(line => new ReferenceLine($"product-{line}", line, 9.99m * line))]);

    /// <summary>Mean rounds per second per core, all cores working at once.</summary>
    public static double Measure() => Measure(WarmUp, Measured);

    internal static double Measure(TimeSpan warmUp, TimeSpan measured)
    {
        // Three seconds on one thread first, so that the JIT's background thread has a core and the time to finish
        // compiling the round (tiers and PGO): after one second, the first of five readings in a row was 37,604 and
        // the next four ~113,000; after three, all five were 111,000–116,000.
        Run(warmUp);
        var rounds = new long[Environment.ProcessorCount];
        var threads = Enumerable.Range(0, rounds.Length)
            .Select(core => new Thread(() => rounds[core] = Run(measured)) { IsBackground = true })
            .ToList();
        threads.ForEach(thread => thread.Start());
        threads.ForEach(thread => thread.Join());
        return rounds.Average() / measured.TotalSeconds;
    }

    public static string Describe(double before, double? after) => after is { } end
        ? string.Create(
            CultureInfo.InvariantCulture, $"reference speed {before:N0} · {end:N0} rounds/s per core (before · after)")
        : string.Create(CultureInfo.InvariantCulture, $"reference speed {before:N0} rounds/s per core");

    private static long Run(TimeSpan span)
    {
        var clock = Stopwatch.StartNew();
        long rounds = 0;
        while (clock.Elapsed < span)
        {
            var bytes = JsonSerializer.SerializeToUtf8Bytes(Document);
            rounds += JsonSerializer.Deserialize<ReferenceDocument>(bytes)!.Lines.Count > 0 ? 1 : 0;
        }

        return rounds;
    }

    private sealed record ReferenceDocument(Guid Id, string Currency, IReadOnlyList<ReferenceLine> Lines);

    private sealed record ReferenceLine(string Product, int Quantity, decimal Price);
}
