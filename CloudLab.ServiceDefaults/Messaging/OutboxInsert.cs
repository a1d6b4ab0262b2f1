using Dapper;

namespace CloudLab.ServiceDefaults.Messaging;

/// <summary>
/// An outbox insert to be sent in one command with the caller's own statements (see
/// <see cref="OutboxWriter.InsertMany"/>): its SQL and its parameters, all named <c>outbox_*</c>.
/// </summary>
public sealed record OutboxInsert(string Sql, DynamicParameters Parameters);
