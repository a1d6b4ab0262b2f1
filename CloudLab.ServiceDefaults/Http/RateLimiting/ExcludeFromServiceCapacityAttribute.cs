namespace CloudLab.ServiceDefaults.Http.RateLimiting;

/// <summary>
/// Marks endpoints that only this service's own admitted requests call back into (a stand-in for an external system
/// hosted in the same process). They keep the per-client bucket of their caller, but skip the service layer: that
/// layer admits or refuses the outer request at the door, and refusing its inner call instead would fail work already
/// half done (and, with the in-flight bound full of outer requests waiting on inner ones, fail all of it).
/// </summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Method)]
public sealed class ExcludeFromServiceCapacityAttribute : Attribute;
