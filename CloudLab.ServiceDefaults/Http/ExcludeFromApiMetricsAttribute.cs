namespace CloudLab.ServiceDefaults.Http;

/// <summary>Marks infrastructure endpoints (health, metrics) that are not part of the API's request metrics.</summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Method)]
public sealed class ExcludeFromApiMetricsAttribute : Attribute;
