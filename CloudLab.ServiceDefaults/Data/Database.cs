using System.Data;
using System.Diagnostics;
using CloudLab.ServiceDefaults.Telemetry;
using Dapper;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace CloudLab.ServiceDefaults.Data;

/// <summary>
/// The one way services query PostgreSQL: Dapper over the pooled data source, with the query's time budget
/// enforced (PostgreSQL gets a cancel request), <c>database_query_duration_seconds</c> recorded and slow queries
/// logged. The query methods themselves are in <see cref="QueryRunnerExtensions"/>.
/// </summary>
public sealed class Database(
    NpgsqlDataSource dataSource,
    DatabaseMetrics metrics,
    IOptions<DatabaseOptions> options,
    ILogger<Database> logger)
    : IQueryRunner
{
    private readonly DatabaseOptions _options = options.Value;

    // One warning a second at most: when the machine is saturated every query is slow (the histogram has them all).
    private readonly LogThrottle _slowLog = new(TimeSpan.FromSeconds(1));

    public NpgsqlDataSource DataSource => dataSource;

    /// <summary>
    /// Runs <paramref name="work"/> in one transaction: committed when it returns, rolled back when it throws.
    /// </summary>
    public async Task<T> InTransactionAsync<T>(
        Func<DbSession, Task<T>> work,
        IsolationLevel isolation = IsolationLevel.ReadCommitted,
        CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(isolation, cancellationToken);
        var result = await work(new DbSession(this, transaction));
        await transaction.CommitAsync(cancellationToken);
        return result;
    }

    public Task<T> RunAsync<T>(
        Query query,
        string sql,
        object? param,
        Func<IDbConnection, CommandDefinition, Task<T>> run,
        CancellationToken cancellationToken) =>
        RunAsync(query, transaction: null, sql, param, run, cancellationToken);

    internal async Task<T> RunAsync<T>(
        Query query,
        NpgsqlTransaction? transaction,
        string sql,
        object? param,
        Func<IDbConnection, CommandDefinition, Task<T>> run,
        CancellationToken cancellationToken)
    {
        var budget = _options.TimeoutFor(query.Kind);
        var started = Stopwatch.GetTimestamp();
        var outcome = "ok";
        try
        {
            var command = new CommandDefinition(
                sql, param, transaction, (int)Math.Ceiling(budget.TotalSeconds), cancellationToken: cancellationToken);
            if (transaction is not null)
            {
                return await run(transaction.Connection!, command);
            }

            await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
            return await run(connection, command);
        }
        catch (Exception exception) when (IsTimeout(exception) && !cancellationToken.IsCancellationRequested)
        {
            outcome = "timeout";
            throw new DatabaseTimeoutException(query, budget, exception);
        }
        catch
        {
            outcome = "error";
            throw;
        }
        finally
        {
            var elapsed = Stopwatch.GetElapsedTime(started);
            metrics.Record(query, outcome, elapsed);
            if (elapsed > _options.SlowQueryThreshold && _slowLog.ShouldLog(out var skipped))
            {
                logger.LogWarning(
                    "Slow query: {Operation} on {Table} ({Kind}) took {ElapsedMilliseconds:F0} ms, outcome {Outcome}; "
                        + "{SkippedSlowQueries} more since the last warning",
                    query.Operation, query.Table, query.Kind, elapsed.TotalMilliseconds, outcome, skipped);
            }
        }
    }

    private static bool IsTimeout(Exception exception) =>
        exception is NpgsqlException { InnerException: TimeoutException }
            or PostgresException { SqlState: PostgresErrorCodes.QueryCanceled };
}

/// <summary>Queries that run inside one transaction (see <see cref="Database.InTransactionAsync{T}"/>).</summary>
public sealed class DbSession(Database database, NpgsqlTransaction transaction) : IQueryRunner
{
    public NpgsqlTransaction Transaction => transaction;

    public Task<T> RunAsync<T>(
        Query query,
        string sql,
        object? param,
        Func<IDbConnection, CommandDefinition, Task<T>> run,
        CancellationToken cancellationToken) =>
        database.RunAsync(query, transaction, sql, param, run, cancellationToken);
}
