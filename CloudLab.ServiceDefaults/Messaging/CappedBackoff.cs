namespace CloudLab.ServiceDefaults.Messaging;

/// <summary>
/// The pause before the next retry of a messaging loop: short at first, doubling, never above a cap, so a long outage
/// does not stretch the wait after the broker is back.
/// </summary>
internal static class CappedBackoff
{
    public static readonly TimeSpan First = TimeSpan.FromMilliseconds(100);
    public static readonly TimeSpan Max = TimeSpan.FromSeconds(1);

    public static TimeSpan Next(TimeSpan current) =>
        current == TimeSpan.Zero ? First : TimeSpan.FromTicks(Math.Min(current.Ticks * 2, Max.Ticks));
}
