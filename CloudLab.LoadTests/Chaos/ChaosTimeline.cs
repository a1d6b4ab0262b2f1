namespace CloudLab.LoadTests.Chaos;

/// <summary>What the chaos driver sends: orders (the saga) and product reads.</summary>
public static class ChaosRequestKind
{
    public const string Order = "order";
    public const string Read = "read";
}

/// <summary>
/// One second of a chaos run: the requests sent in it, and their answers by "kind status" (e.g. "order 201";
/// status 0: no answer).
/// </summary>
public sealed record ChaosSecond(int Second, int Requests, int Errors, IReadOnlyDictionary<string, int> Statuses);

/// <summary>A stretch of the run: a baseline, a fault while it lasts, or the recovery after one.</summary>
public sealed record ChaosPhase(string Name, string Kind, double StartSecond, double EndSecond);

public static class ChaosPhaseKind
{
    /// <summary>The app warming up (a ramp, then until errors stop): its orders are checked, its errors not.</summary>
    public const string WarmUp = "warm-up";
    public const string Baseline = "baseline";
    public const string Fault = "fault";
    public const string Recovery = "recovery";
    public const string Skipped = "skipped";
}

/// <summary>A phase's requests and errors, and for a fault, how long the errors outlasted it.</summary>
public sealed record ChaosPhaseSummary(
    string Name,
    string Kind,
    double StartSecond,
    double EndSecond,
    int Requests,
    int Errors,
    IReadOnlyDictionary<string, int> ErrorStatuses,
    int? RecoverySeconds);

/// <summary>
/// Requests per second of the run, counted in the second each was sent, so an error caused by a fault stays with the
/// fault even when its answer (a timeout) comes later. Thread-safe.
/// </summary>
public sealed class ChaosTimeline
{
    private readonly Lock _lock = new();
    private readonly List<Dictionary<string, int>> _seconds = [];
    private readonly List<int> _errors = [];

    /// <summary>
    /// An answer counts as an error when the service failed: no answer, 5xx, 429, or a 4xx the driver did not cause.
    /// 422 (or 409) on an order is "items not available": a scarce product sold out, a right answer.
    /// </summary>
    public static bool IsError(string kind, int status) => status switch
    {
        0 or 429 or >= 500 => true,
        409 or 422 => kind != ChaosRequestKind.Order,
        304 => false,
        >= 400 => true,
        _ => false,
    };

    public static string Key(string kind, int status) =>
        $"{kind} {status.ToString(System.Globalization.CultureInfo.InvariantCulture)}";

    public static bool IsErrorKey(string key)
    {
        var parts = key.Split(' ');
        return IsError(parts[0], int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture));
    }

    public void Record(int second, string kind, int status)
    {
        lock (_lock)
        {
            while (_seconds.Count <= second)
            {
                _seconds.Add(new Dictionary<string, int>(StringComparer.Ordinal));
                _errors.Add(0);
            }

            var key = Key(kind, status);
            _seconds[second][key] = _seconds[second].GetValueOrDefault(key) + 1;
            if (IsError(kind, status))
            {
                _errors[second]++;
            }
        }
    }

    public IReadOnlyList<ChaosSecond> Seconds()
    {
        lock (_lock)
        {
            return _seconds.Select((statuses, second) => new ChaosSecond(
                    second, statuses.Values.Sum(), _errors[second], new Dictionary<string, int>(statuses)))
                .ToList();
        }
    }

    /// <summary>
    /// Seconds from the end of a fault until the first whole second that had requests and no error: 0 when the first
    /// whole second after the fault was clean already; null when none was within the timeline.
    /// </summary>
    public static int? RecoverySeconds(IReadOnlyList<ChaosSecond> seconds, double faultEndSecond)
    {
        var firstWhole = (int)Math.Ceiling(faultEndSecond);
        for (var second = firstWhole; second < seconds.Count; second++)
        {
            if (seconds[second] is { Requests: > 0, Errors: 0 })
            {
                return second - firstWhole;
            }
        }

        return null;
    }

    /// <summary>
    /// Each phase's requests and errors (the seconds whose middle falls in it, so each second counts once), and for a
    /// fault its recovery time.
    /// </summary>
    public static IReadOnlyList<ChaosPhaseSummary> Summarize(
        IReadOnlyList<ChaosSecond> seconds, IReadOnlyList<ChaosPhase> phases) =>
        phases.Select(phase =>
        {
            var inPhase = seconds
                .Where(second => second.Second + 0.5 >= phase.StartSecond && second.Second + 0.5 < phase.EndSecond)
                .ToList();
            var errorStatuses = inPhase.SelectMany(second => second.Statuses)
                .Where(status => IsErrorKey(status.Key))
                .GroupBy(status => status.Key)
                .OrderBy(group => group.Key, StringComparer.Ordinal)
                .ToDictionary(group => group.Key, group => group.Sum(status => status.Value));
            return new ChaosPhaseSummary(
                phase.Name,
                phase.Kind,
                phase.StartSecond,
                phase.EndSecond,
                inPhase.Sum(second => second.Requests),
                inPhase.Sum(second => second.Errors),
                errorStatuses,
                phase.Kind == ChaosPhaseKind.Fault ? RecoverySeconds(seconds, phase.EndSecond) : null);
        }).ToList();
}
