using CloudLab.Tests.Integration;

namespace CloudLab.Tests.Unit;

/// <summary>
/// Rules of the repository's own source text that the compiler does not check: the line length .editorconfig sets,
/// and no comment or document pointing at files outside the repository.
/// </summary>
public sealed class SourceStyleTests
{
    private const int MaxLineLength = 120;
    private const int MaxReported = 50;

    // Build output and what tools write next to the sources (all git-ignored); hidden folders are skipped too.
    private static readonly HashSet<string> SkippedFolders =
        new(["bin", "obj", "TestResults", "artifacts", "BenchmarkDotNet.Artifacts"], StringComparer.OrdinalIgnoreCase);

    // Spelled in two parts so that this file does not contain the text it looks for.
    private const string OutsideReference = ".." + "/shared";

    [Fact]
    public void No_line_of_csharp_is_longer_than_the_editorconfig_allows()
    {
        var root = ManifestTests.RepositoryRoot();
        var offending = SourceFiles(root, "*.cs")
            .SelectMany(file => File.ReadLines(file)
                .Select((line, index) => (File: file, Number: index + 1, line.Length))
                .Where(line => line.Length > MaxLineLength))
            .ToList();

        Assert.True(offending.Count == 0, Report(
            $"{offending.Count} line(s) longer than {MaxLineLength} characters",
            offending.Select(line => $"{Path.GetRelativePath(root, line.File)}:{line.Number} ({line.Length})")));
    }

    [Fact]
    public void No_source_or_document_points_outside_the_repository()
    {
        var root = ManifestTests.RepositoryRoot();
        var offending = SourceFiles(root, "*.cs").Concat(SourceFiles(root, "*.md"))
            .SelectMany(file => File.ReadLines(file)
                .Select((line, index) => (File: file, Number: index + 1, Text: line))
                .Where(line => line.Text.Contains(OutsideReference, StringComparison.Ordinal)))
            .ToList();

        Assert.True(offending.Count == 0, Report(
            $"{offending.Count} line(s) mention {OutsideReference}",
            offending.Select(line => $"{Path.GetRelativePath(root, line.File)}:{line.Number}")));
    }

    private static IEnumerable<string> SourceFiles(string directory, string pattern)
    {
        foreach (var file in Directory.EnumerateFiles(directory, pattern).Order(StringComparer.Ordinal))
        {
            yield return file;
        }

        var folders = Directory.EnumerateDirectories(directory)
            .Where(folder => !IsSkipped(Path.GetFileName(folder)))
            .Order(StringComparer.Ordinal);
        foreach (var folder in folders)
        {
            foreach (var file in SourceFiles(folder, pattern))
            {
                yield return file;
            }
        }
    }

    private static bool IsSkipped(string folder) => folder.StartsWith('.') || SkippedFolders.Contains(folder);

    private static string Report(string summary, IEnumerable<string> locations)
    {
        var listed = locations.ToList();
        var shown = listed.Take(MaxReported).ToList();
        var more = listed.Count > shown.Count ? $"{Environment.NewLine}… and {listed.Count - shown.Count} more" : "";
        return $"{summary}:{Environment.NewLine}{string.Join(Environment.NewLine, shown)}{more}";
    }
}
