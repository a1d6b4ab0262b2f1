namespace CloudLab.ServiceDefaults.Http;

/// <summary>How long a call to another service may take: shorter than the caller's own request budget.</summary>
public sealed record CallBudget(TimeSpan AttemptTimeout, TimeSpan TotalTimeout, int Retries = 2);
