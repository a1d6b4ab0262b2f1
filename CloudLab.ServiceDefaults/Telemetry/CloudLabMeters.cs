namespace CloudLab.ServiceDefaults.Telemetry;

/// <summary>Names of the meters CloudLab records its own instruments on (the standard's metric names).</summary>
public static class CloudLabMeters
{
    public const string Api = "CloudLab.Api";
    public const string Database = "CloudLab.Database";
    public const string Cache = "CloudLab.Cache";
    public const string Resources = "CloudLab.Resources";
    public const string Events = "CloudLab.Events";
    public const string Batching = "CloudLab.Batching";

    public static readonly string[] All = [Api, Database, Cache, Resources, Events, Batching];

    /// <summary>
    /// Bucket boundaries (seconds) around the standard's thresholds: 10 ms cache, 50 ms DB, 200/500 ms API.
    /// </summary>
    public static readonly IReadOnlyList<double> LatencyBuckets =
        [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.2, 0.3, 0.5, 0.75, 1, 2.5, 5, 10, 30];
}
