using System.Globalization;
using System.Text;
using System.Text.Json;
using CloudLab.LoadTests.Engine;

namespace CloudLab.LoadTests.Reports;

/// <summary>Writes a run as report.json, report.md and latency.svg in its own folder.</summary>
public static class ReportWriter
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static string Write(RunReport report, string reportsDirectory)
    {
        var folder = Path.Combine(reportsDirectory, $"{report.StartedAt:yyyyMMdd-HHmmss}-{report.Name}");
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "report.json"), JsonSerializer.Serialize(report, Json));
        File.WriteAllText(Path.Combine(folder, "latency.svg"), SvgPlot.Render(report.Scenarios));
        File.WriteAllText(Path.Combine(folder, "report.md"), Markdown(report));
        return folder;
    }

    public static string Markdown(RunReport report)
    {
        var md = new StringBuilder();
        md.AppendLine(CultureInfo.InvariantCulture, $"# CloudLab load test: {report.Name}");
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"Started {report.StartedAt:u} on {report.Machine}. "
            + $"Latencies are from each request's intended send time (open model), in ms.");
        md.AppendLine(CultureInfo.InvariantCulture,
            $"The standard: p95 < {Thresholds.P95Ms} ms (max {Thresholds.P95MaxMs}), "
                + $"errors < {Thresholds.ErrorRatePercent} % (5xx, 429 and no answer count as errors).");
        md.AppendLine();

        var open = report.Scenarios.Where(scenario => scenario.Kind == "open").ToList();
        if (open.Count > 0)
        {
            md.AppendLine(
                "| scenario | intended rps | achieved rps | p50 | p90 | p95 | p99 | max | errors % | standard |");
            md.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|");
            foreach (var s in open)
            {
                md.AppendLine(CultureInfo.InvariantCulture,
                    $"| {s.Name} | {s.IntendedRps:N0} | {s.AchievedRps:N0} | {s.P50Ms:N1} | {s.P90Ms:N1} "
                        + $"| {s.P95Ms:N1} | {s.P99Ms:N1} | {s.MaxMs:N0} | {s.ErrorRatePercent:N3} "
                        + $"| {(s.MeetsStandard ? "pass" : "**fail**")}"
                        + $"{(s.DriverFellBehind ? " (driver fell behind)" : "")} |");
            }

            md.AppendLine();
            AppendSuccessLatencies(md, open);
        }

        var capacity = report.Scenarios.Where(scenario => scenario.Kind == "capacity").ToList();
        if (capacity.Count > 0)
        {
            md.AppendLine("Capacity (closed loop, most requests per second served) and its ratio to the bare endpoint "
                + "of the same run:");
            md.AppendLine();
            md.AppendLine("| workload | rps | ratio to bare | p95 | errors % |");
            md.AppendLine("|---|---:|---:|---:|---:|");
            foreach (var s in capacity)
            {
                var ratio = report.CapacityRatios.TryGetValue(s.Workload, out var value)
                    ? value.ToString("0.00", CultureInfo.InvariantCulture)
                    : "—";
                md.AppendLine(CultureInfo.InvariantCulture,
                    $"| {s.Name} | {s.AchievedRps:N0} | {ratio} | {s.P95Ms:N1} | {s.ErrorRatePercent:N3} |");
            }

            md.AppendLine();
        }

        var cpuRows = CpuTable.Rows(report.Scenarios);
        if (cpuRows.Count > 0)
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"{CpuTable.Title}. {CpuTable.Explanation}");
            md.AppendLine();
            md.AppendLine($"| {string.Join(" | ", CpuTable.Columns)} |");
            md.AppendLine($"|---|{string.Concat(Enumerable.Repeat("---:|", CpuTable.Columns.Count - 1))}");
            foreach (var row in cpuRows)
            {
                md.AppendLine($"| {string.Join(" | ", row)} |");
            }

            MarkdownList.AppendSection(
                md,
                "The processes that spent most of other (ms per operation):",
                [
                    .. report.Scenarios
                        .Select(scenario => (scenario.Name, Largest: scenario.Cpu is { } cpu
                            ? CpuTable.LargestInOther(cpu)
                            : null))
                        .Where(scenario => scenario.Largest is not null)
                        .Select(scenario => $"{scenario.Name}: {scenario.Largest}"),
                ]);
            md.AppendLine();
        }

        md.AppendLine("Status codes per scenario:");
        md.AppendLine();
        foreach (var s in report.Scenarios)
        {
            var statuses = string.Join(", ", s.StatusCounts.Select(status => $"{status.Key} × {status.Value:N0}"));
            md.AppendLine(CultureInfo.InvariantCulture, $"- {s.Name}: {statuses}");
        }

        MarkdownList.AppendSection(md, "Findings:", report.Findings);

        md.AppendLine();
        md.AppendLine("![latency over time](latency.svg)");
        return md.ToString();
    }

    /// <summary>Only where some answers failed: elsewhere the table above already says it.</summary>
    private static void AppendSuccessLatencies(StringBuilder md, IReadOnlyList<ScenarioResult> open)
    {
        var shed = open.Where(s => s.Succeeded is not null && s.Errors > 0).ToList();
        if (shed.Count == 0)
        {
            return;
        }

        md.AppendLine("Successful answers (2xx, 3xx) alone, without the errors' latencies:");
        md.AppendLine();
        md.AppendLine("| scenario | answered | per second | p50 | p95 | p99 |");
        md.AppendLine("|---|---:|---:|---:|---:|---:|");
        foreach (var s in shed)
        {
            var ok = s.Succeeded!;
            md.AppendLine(CultureInfo.InvariantCulture,
                $"| {s.Name} | {ok.Requests:N0} | {ok.Requests / Math.Max(0.001, s.DurationSeconds):N0} "
                    + $"| {ok.P50Ms:N1} | {ok.P95Ms:N1} | {ok.P99Ms:N1} |");
        }

        md.AppendLine();
    }
}
