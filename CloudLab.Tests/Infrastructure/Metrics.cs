using System.Globalization;
using System.Text.RegularExpressions;

namespace CloudLab.Tests.Infrastructure;

/// <summary>Reads a service's <c>/metrics</c> (Prometheus text format).</summary>
public static partial class Metrics
{
    public static async Task<string> ScrapeAsync(HttpClient replica) => await replica.GetStringAsync("/metrics");

    /// <summary>
    /// The sum of every sample of <paramref name="name"/> whose labels include all of <paramref name="labels"/>.
    /// </summary>
    public static double Sum(string exposition, string name, params (string Label, string Value)[] labels) =>
        exposition.Split('\n')
            .Select(line => SampleLine().Match(line))
            .Where(match => match.Success && match.Groups["name"].Value == name)
            .Where(match => labels.All(label =>
                match.Groups["labels"].Value.Contains($"{label.Label}=\"{label.Value}\"", StringComparison.Ordinal)))
            .Sum(match => double.Parse(match.Groups["value"].Value, CultureInfo.InvariantCulture));

    public static async Task<double> SumAsync(
        HttpClient replica, string name, params (string Label, string Value)[] labels) =>
        Sum(await ScrapeAsync(replica), name, labels);

    [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>[^}]*)\})? (?<value>[^ ]+)")]
    private static partial Regex SampleLine();
}
