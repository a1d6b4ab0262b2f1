namespace CloudLab.LoadTests.Engine;

/// <summary>Makes the next request of a scenario (thread-safe; called at the send rate).</summary>
public interface IWorkload
{
    string Name { get; }

    HttpRequestMessage NextRequest();
}

/// <summary>A step of an open-model run: this many requests per second for this long.</summary>
public sealed record Phase(string Name, double RatePerSecond, TimeSpan Duration);
