using System.Globalization;
using System.Text;

namespace CloudLab.LoadTests.Reports;

/// <summary>A titled bullet list in a markdown report, left out when there is nothing to list.</summary>
internal static class MarkdownList
{
    public static void AppendSection(StringBuilder md, string heading, IReadOnlyCollection<string> items)
    {
        if (items.Count == 0)
        {
            return;
        }

        md.AppendLine();
        md.AppendLine(heading);
        md.AppendLine();
        foreach (var item in items)
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"- {item}");
        }
    }
}
