using System.Globalization;
using System.Text;

namespace CloudLab.LoadTests.Chaos;

/// <summary>A process as /proc shows it: its name (comm), its command line and its parent.</summary>
public sealed record ProcessEntry(int Id, int ParentId, string Name, IReadOnlyList<string> Arguments);

/// <summary>This machine's processes, read from /proc (Linux only, as the chaos run's faults are).</summary>
public static class ProcessTable
{
    public static IEnumerable<ProcessEntry> All()
    {
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var id))
            {
                continue;
            }

            ProcessEntry? entry;
            try
            {
                var stat = File.ReadAllText(Path.Combine(directory, "stat"));
                // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so split after the last ')'.
                var close = stat.LastIndexOf(')');
                var name = stat[(stat.IndexOf('(', StringComparison.Ordinal) + 1)..close];
                var parent = int.Parse(stat[(close + 2)..].Split(' ')[1], CultureInfo.InvariantCulture);
                var arguments = File.ReadAllText(Path.Combine(directory, "cmdline"))
                    .Split('\0', StringSplitOptions.RemoveEmptyEntries);
                entry = new ProcessEntry(id, parent, name, arguments);
            }
            catch (IOException)
            {
                entry = null; // it ended while being read
            }
            catch (UnauthorizedAccessException)
            {
                entry = null;
            }

            if (entry is not null)
            {
                yield return entry;
            }
        }
    }

    public static int? Find(Func<ProcessEntry, bool> match) => All().FirstOrDefault(match)?.Id;

    public static IReadOnlyList<int> Children(int parentId) =>
        All().Where(process => process.ParentId == parentId).Select(process => process.Id).ToList();

    /// <summary>A process's environment (NUL-separated KEY=VALUE pairs), or none when it cannot be read.</summary>
    public static Dictionary<string, string> Environment(int id)
    {
        try
        {
            return File.ReadAllText($"/proc/{id}/environ", Encoding.UTF8)
                .Split('\0', StringSplitOptions.RemoveEmptyEntries)
                .Select(pair => pair.Split('=', 2))
                .Where(pair => pair.Length == 2)
                .GroupBy(pair => pair[0], StringComparer.Ordinal)
                .ToDictionary(group => group.Key, group => group.First()[1], StringComparer.Ordinal);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }
}

/// <summary>A running CloudLab service: its process, environment (connection strings) and working directory.</summary>
public sealed record ServiceProcess(int Id, IReadOnlyDictionary<string, string> Environment, string WorkingDirectory)
{
    /// <summary>
    /// The process that has the database's connection string and listens on the port the driver sends to (the
    /// AppHost gives a single instance its documented port, so another app's instance on this machine is not taken).
    /// </summary>
    public static ServiceProcess Find(string database, int port)
    {
        var portText = ":" + port.ToString(CultureInfo.InvariantCulture);
        foreach (var process in ProcessTable.All())
        {
            var environment = ProcessTable.Environment(process.Id);
            if (environment.ContainsKey($"ConnectionStrings__{database}")
                && ((environment.GetValueOrDefault("ASPNETCORE_URLS") ?? "")
                        .Contains(portText, StringComparison.Ordinal)
                    || environment.GetValueOrDefault("HTTP_PORTS") == portText[1..]))
            {
                var cwd = new DirectoryInfo($"/proc/{process.Id}/cwd").ResolveLinkTarget(returnFinalTarget: true);
                return new ServiceProcess(process.Id, environment, cwd?.FullName ?? ".");
            }
        }

        throw new InvalidOperationException(
            $"No process with ConnectionStrings__{database} listens on port {port}: start the app with --start-app "
                + "(one instance per service) on this machine.");
    }
}
