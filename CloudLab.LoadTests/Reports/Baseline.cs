using System.Globalization;
using System.Text.Json;
using CloudLab.LoadTests.Engine;

namespace CloudLab.LoadTests.Reports;

/// <summary>
/// The regression check: a run's capacity ratios (each workload against the bare endpoint of the same run) compared
/// with the committed baseline. Ratios, not absolute numbers, so the check holds on a faster or slower machine; a ratio
/// more than 10 % below its baseline is a regression.
/// </summary>
public static class Baseline
{
    public sealed record Comparison(string Workload, double Baseline, double Current, bool Regressed);

    public static IReadOnlyList<Comparison> Compare(
        IReadOnlyDictionary<string, double> baseline, IReadOnlyDictionary<string, double> current) =>
        baseline.Where(entry => current.ContainsKey(entry.Key))
            .Select(entry => new Comparison(
                entry.Key,
                entry.Value,
                current[entry.Key],
                current[entry.Key] < entry.Value * (1 - Thresholds.RegressionTolerance)))
            .ToList();

    public static IReadOnlyDictionary<string, double> Load(string path)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        var ratios = document.RootElement.TryGetProperty("capacityRatios", out var inReport)
            ? inReport
            : document.RootElement;
        return ratios.EnumerateObject().ToDictionary(property => property.Name, property => property.Value.GetDouble());
    }

    public static string Describe(Comparison comparison) => string.Create(CultureInfo.InvariantCulture,
        $"{comparison.Workload}: {comparison.Current:0.00}× bare (baseline {comparison.Baseline:0.00}×)"
            + $"{(comparison.Regressed ? " REGRESSION" : "")}");
}
