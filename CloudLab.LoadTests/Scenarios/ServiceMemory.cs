using System.Globalization;
using System.Text.RegularExpressions;

namespace CloudLab.LoadTests.Scenarios;

/// <summary>
/// A service's memory as its own /metrics reports it (the runtime's meters), read before and after a long run.
/// </summary>
public sealed record MemorySample(double WorkingSetMb, double Gen2HeapMb)
{
    public static async Task<IReadOnlyDictionary<string, MemorySample>> ReadAllAsync(
        HttpClient client, Targets targets, CancellationToken cancellationToken)
    {
        var samples = new Dictionary<string, MemorySample>();
        foreach (var (service, url) in targets.All)
        {
            var metrics = await client.GetStringAsync(new Uri(url, "/metrics"), cancellationToken);
            samples[service] = new MemorySample(
                Megabytes(metrics, "dotnet_process_memory_working_set_bytes"),
                Megabytes(metrics, "dotnet_gc_last_collection_heap_size_bytes", "gen2"));
        }

        return samples;
    }

    private static double Megabytes(string metrics, string name, string? generation = null)
    {
        var labels = generation is null ? @"\{[^}]*\}" : $@"\{{[^}}]*gc_heap_generation=""{generation}""[^}}]*\}}";
        var match = Regex.Match(metrics, $@"^{name}{labels} (\S+)$", RegexOptions.Multiline);
        return match.Success
            ? double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) / (1024 * 1024)
            : double.NaN;
    }
}
