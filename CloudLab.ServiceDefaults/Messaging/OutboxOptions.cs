namespace CloudLab.ServiceDefaults.Messaging;

/// <summary>Where a service's outbox relay publishes: the service passes the stream its events belong on.</summary>
public sealed record OutboxOptions(string StreamName);
