using System.Data;
using Dapper;

namespace CloudLab.ServiceDefaults.Data;

/// <summary>
/// Something that runs timed queries: the <see cref="Database"/> itself or a <see cref="DbSession"/> in a transaction.
/// </summary>
public interface IQueryRunner
{
    Task<T> RunAsync<T>(
        Query query,
        string sql,
        object? param,
        Func<IDbConnection, CommandDefinition, Task<T>> run,
        CancellationToken cancellationToken);
}

public static class QueryRunnerExtensions
{
    public static Task<T?> QuerySingleOrDefaultAsync<T>(
        this IQueryRunner runner,
        Query query,
        string sql,
        object? param = null,
        CancellationToken cancellationToken = default) =>
        runner.RunAsync(
            query,
            sql,
            param,
            static (connection, command) => connection.QuerySingleOrDefaultAsync<T>(command),
            cancellationToken);

    public static Task<IReadOnlyList<T>> QueryAsync<T>(
        this IQueryRunner runner,
        Query query,
        string sql,
        object? param = null,
        CancellationToken cancellationToken = default) =>
        runner.RunAsync(
            query,
            sql,
            param,
            static async (connection, command) => (IReadOnlyList<T>)(await connection.QueryAsync<T>(command)).AsList(),
            cancellationToken);

    public static Task<T?> ExecuteScalarAsync<T>(
        this IQueryRunner runner,
        Query query,
        string sql,
        object? param = null,
        CancellationToken cancellationToken = default) =>
        runner.RunAsync(
            query,
            sql,
            param,
            static (connection, command) => connection.ExecuteScalarAsync<T>(command),
            cancellationToken);

    public static Task<int> ExecuteAsync(
        this IQueryRunner runner,
        Query query,
        string sql,
        object? param = null,
        CancellationToken cancellationToken = default) =>
        runner.RunAsync(
            query,
            sql,
            param,
            static (connection, command) => connection.ExecuteAsync(command),
            cancellationToken);
}
