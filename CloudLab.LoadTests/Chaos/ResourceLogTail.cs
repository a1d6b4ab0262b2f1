using CloudLab.LoadTests.Engine;

namespace CloudLab.LoadTests.Chaos;

/// <summary>
/// The last lines a resource wrote (from the files the AppHost writes for a run started with --start-app), for the
/// report of a run in which a service stopped answering: whether it exited, and with what, or is still logging.
/// </summary>
public static class ResourceLogTail
{
    private const int Lines = 25;

    /// <summary>
    /// One note per log file of the resource (one per replica), or none when the app was not started here.
    /// </summary>
    public static IEnumerable<string> Of(string resource)
    {
        if (!Directory.Exists(AppProcess.ResourceLogDirectory))
        {
            yield break;
        }

        foreach (var path in Directory.EnumerateFiles(AppProcess.ResourceLogDirectory, $"{resource}*.log"))
        {
            var tail = File.ReadLines(path).TakeLast(Lines).Select(line => "      " + line);
            yield return $"Last {Lines} lines of {path}:\n\n{string.Join('\n', tail)}\n";
        }
    }
}
