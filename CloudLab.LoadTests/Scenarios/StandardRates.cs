namespace CloudLab.LoadTests.Scenarios;

/// <summary>The performance standard's RPS table: target, peak and burst per service.</summary>
public static class StandardRates
{
    public static readonly IReadOnlyDictionary<string, (int Target, int Peak, int Burst)> ByService =
        new Dictionary<string, (int, int, int)>
        {
            ["user"] = (1_000, 5_000, 10_000),
            ["product"] = (2_000, 10_000, 20_000),
            ["order"] = (500, 2_500, 5_000),
            ["payment"] = (200, 1_000, 2_000),
            ["analytics"] = (100, 500, 1_000),
        };

    public static int Rate(string service, string level) => level switch
    {
        "target" => ByService[service].Target,
        "peak" => ByService[service].Peak,
        "burst" => ByService[service].Burst,
        _ => throw new ArgumentException($"level is target, peak or burst, not {level}"),
    };
}
