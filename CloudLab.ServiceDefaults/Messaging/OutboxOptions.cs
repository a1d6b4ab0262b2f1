namespace CloudLab.ServiceDefaults.Messaging;

/// <summary>
/// Where a service's outbox relay publishes (the service passes the stream its events belong on), and how long the
/// stream keeps entries that every consumer group has read.
/// </summary>
public sealed record OutboxOptions(string StreamName, TimeSpan StreamRetention);
