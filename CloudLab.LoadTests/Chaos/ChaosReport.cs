using System.Globalization;
using System.Text;
using System.Text.Json;
using CloudLab.LoadTests.Reports;

namespace CloudLab.LoadTests.Chaos;

/// <summary>A chaos run: its phases, per-second traffic, the checks made afterwards, and notes.</summary>
public sealed record ChaosReport(
    DateTimeOffset StartedAt,
    ChaosOptions Options,
    IReadOnlyList<ChaosPhaseSummary> Phases,
    IReadOnlyList<ChaosCheck> Checks,
    IReadOnlyList<ChaosSecond> Seconds,
    IReadOnlyList<string> Notes)
{
    public bool Passed => Checks.All(check => check.Passed);
}

/// <summary>Writes a chaos run as report.json and report.md in its own folder.</summary>
public static class ChaosReportWriter
{
    public static string Write(ChaosReport report, string command, string machine, string reportsDirectory)
    {
        var folder = Path.Combine(reportsDirectory, $"{report.StartedAt:yyyyMMdd-HHmmss}-chaos");
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "report.json"), JsonSerializer.Serialize(report, ReportWriter.Json));
        File.WriteAllText(Path.Combine(folder, "report.md"), Markdown(report, command, machine));
        return folder;
    }

    public static string Markdown(ChaosReport report, string command, string machine)
    {
        var md = new StringBuilder();
        md.AppendLine(CultureInfo.InvariantCulture, $"# CloudLab chaos run: {(report.Passed ? "pass" : "FAIL")}");
        md.AppendLine();
        md.AppendLine("Reproduce (from the repository root):");
        md.AppendLine();
        md.AppendLine("```sh");
        md.AppendLine(command);
        md.AppendLine("```");
        md.AppendLine();
        md.AppendLine(
            CultureInfo.InvariantCulture,
            $"Started {report.StartedAt:u} on {machine}. Steady workload: {report.Options.OrderRate:N0} orders/s "
            + $"(1 to 3 units of one of {report.Options.Products} products made for the run, "
            + $"{report.Options.ScarceProducts} of them scarce, by random load-test customers) and "
            + $"{report.Options.ReadRate:N0} product reads/s. Requests are counted in the second they were due; an "
            + $"error is no answer (15 s), a 5xx, a 429 or an unexpected 4xx (422 on an order is \"items not "
            + $"available\", a right answer once a scarce product sold out).");
        md.AppendLine();
        md.AppendLine("## Checks");
        md.AppendLine();
        md.AppendLine("| check | result | measured |");
        md.AppendLine("|---|---|---|");
        foreach (var check in report.Checks)
        {
            md.AppendLine(
                CultureInfo.InvariantCulture,
                $"| {check.Name} | {(check.Passed ? "pass" : "**fail**")} | {check.Detail} |");
        }

        md.AppendLine();
        md.AppendLine("## Phases");
        md.AppendLine();
        md.AppendLine("| phase | kind | from s | to s | requests | errors | errors by status | recovery s |");
        md.AppendLine("|---|---|---:|---:|---:|---:|---|---:|");
        foreach (var phase in report.Phases)
        {
            var statuses = phase.ErrorStatuses.Count == 0
                ? "—"
                : string.Join(", ", phase.ErrorStatuses.Select(status => $"{status.Key} × {status.Value:N0}"));
            var recovery = phase.Kind == ChaosPhaseKind.Fault
                ? phase.RecoverySeconds?.ToString(CultureInfo.InvariantCulture) ?? "not within the run"
                : "";
            md.AppendLine(
                CultureInfo.InvariantCulture,
                $"| {phase.Name} | {phase.Kind} | {phase.StartSecond:N1} | {phase.EndSecond:N1} "
                + $"| {phase.Requests:N0} | {phase.Errors:N0} | {statuses} | {recovery} |");
        }

        md.AppendLine();
        md.AppendLine(
            "Recovery: seconds from the end of a fault to the first whole second with requests and no error. A second "
                + "counts in the phase that holds its middle; an order sent just before a fault can still fail by it.");
        md.AppendLine();
        md.AppendLine("## Seconds with errors");
        md.AppendLine();
        md.AppendLine("| second | requests | errors | answers |");
        md.AppendLine("|---:|---:|---:|---|");
        foreach (var second in report.Seconds.Where(second => second.Errors > 0))
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"| {second.Second} | {second.Requests} | {second.Errors} | "
                + $"{string.Join(", ", second.Statuses.OrderBy(s => s.Key, StringComparer.Ordinal)
                    .Select(status => $"{status.Key} × {status.Value}"))} |");
        }

        MarkdownList.AppendSection(md, "## Notes", report.Notes);

        md.AppendLine();
        md.AppendLine("Every second's answers are in report.json.");
        return md.ToString();
    }
}
