using System.Globalization;
using System.Text;
using CloudLab.LoadTests.Engine;

namespace CloudLab.LoadTests.Reports;

/// <summary>
/// Latency over time as an SVG a browser opens: p50/p95/p99 per second on a log scale, one panel per open-model
/// scenario, the standard's 200 ms line marked. Written by hand: a few lines of SVG spare the project a native
/// graphics dependency (ScottPlot would bring SkiaSharp's native libraries).
/// </summary>
public static class SvgPlot
{
    private const int PanelWidth = 900;
    private const int PanelHeight = 220;
    private const int Left = 60;
    private const int Top = 30;
    private const double MinMs = 0.1;
    private const double MaxMs = 10_000;

    public static string Render(IReadOnlyList<ScenarioResult> scenarios)
    {
        var open = scenarios.Where(scenario => scenario.Kind == "open" && scenario.Timeline.Count > 0).ToList();
        var height = Math.Max(1, open.Count) * (PanelHeight + Top + 30) + 20;
        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture,
            $"""<svg xmlns="http://www.w3.org/2000/svg" width="{PanelWidth + Left + 160}" height="{height}" """
                + $"""font-family="sans-serif" font-size="11">""");
        svg.Append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>");
        var y0 = 10;
        foreach (var scenario in open)
        {
            Panel(svg, scenario, y0);
            y0 += PanelHeight + Top + 30;
        }

        svg.Append("</svg>");
        return svg.ToString();
    }

    private static void Panel(StringBuilder svg, ScenarioResult scenario, int y0)
    {
        var top = y0 + Top;
        var seconds = Math.Max(1, scenario.Timeline.Count);
        svg.Append(CultureInfo.InvariantCulture,
            $"""<text x="{Left}" y="{y0 + 16}" font-size="13" font-weight="bold">"""
                + $"""{Escape(scenario.Name)}: {scenario.IntendedRps:N0} rps intended, """
                + $"""p95 {scenario.P95Ms:N1} ms, errors {scenario.ErrorRatePercent:N3} %</text>""");
        svg.Append(CultureInfo.InvariantCulture,
            $"""<rect x="{Left}" y="{top}" width="{PanelWidth}" height="{PanelHeight}" fill="none" stroke="#999"/>""");
        foreach (var ms in new[] { 1.0, 10, 100, 1000 })
        {
            var y = Y(ms, top);
            svg.Append(CultureInfo.InvariantCulture,
                $"""<line x1="{Left}" x2="{Left + PanelWidth}" y1="{y:F1}" y2="{y:F1}" stroke="#eee"/>"""
                    + $"""<text x="{Left - 6}" y="{y + 4:F1}" text-anchor="end">{ms:0.#} ms</text>""");
        }

        var limit = Y(Thresholds.P95Ms, top);
        svg.Append(CultureInfo.InvariantCulture,
            $"""<line x1="{Left}" x2="{Left + PanelWidth}" y1="{limit:F1}" y2="{limit:F1}" """
                + $"""stroke="#d33" stroke-dasharray="6,4"/>"""
                + $"""<text x="{Left + PanelWidth + 6}" y="{limit + 4:F1}" fill="#d33">p95 limit 200 ms</text>""");
        svg.Append(CultureInfo.InvariantCulture,
            $"""<text x="{Left + PanelWidth / 2}" y="{top + PanelHeight + 16}" text-anchor="middle">"""
                + $"""seconds into the scenario (0–{seconds})</text>""");

        Series(svg, scenario, top, seconds, point => point.P50Ms, "#2a9d8f", "p50", 0);
        Series(svg, scenario, top, seconds, point => point.P95Ms, "#e9c46a", "p95", 1);
        Series(svg, scenario, top, seconds, point => point.P99Ms, "#e76f51", "p99", 2);
    }

    private static void Series(
        StringBuilder svg,
        ScenarioResult scenario,
        int top,
        int seconds,
        Func<IntervalStats, double> value,
        string color,
        string label,
        int index)
    {
        var points = scenario.Timeline.Select((point, second) =>
            string.Create(CultureInfo.InvariantCulture,
                $"{Left + (second + 0.5) * PanelWidth / seconds:F1},{Y(Math.Max(MinMs, value(point)), top):F1}"));
        svg.Append(CultureInfo.InvariantCulture,
            $"""<polyline fill="none" stroke="{color}" stroke-width="1.5" points="{string.Join(' ', points)}"/>""");
        svg.Append(CultureInfo.InvariantCulture,
            $"""<text x="{Left + PanelWidth + 6}" y="{top + 14 + index * 14}" fill="{color}">{label}</text>""");
    }

    private static double Y(double ms, int top) =>
        top + PanelHeight * (1 - (Math.Log10(Math.Clamp(ms, MinMs, MaxMs)) - Math.Log10(MinMs))
            / (Math.Log10(MaxMs) - Math.Log10(MinMs)));

    private static string Escape(string text) =>
        text.Replace("&", "&amp;", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal);
}
