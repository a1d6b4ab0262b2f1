namespace CloudLab.ServiceDefaults.Data;

/// <summary>Configuration section <c>Database</c>: the standard's query budgets and each service's pool size.</summary>
public sealed class DatabaseOptions
{
    public TimeSpan ReadTimeout { get; set; } = TimeSpan.FromSeconds(10);

    public TimeSpan WriteTimeout { get; set; } = TimeSpan.FromSeconds(30);

    public TimeSpan AnalyticsTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Queries slower than this are logged (operation, table and duration; never parameter values).</summary>
    public TimeSpan SlowQueryThreshold { get; set; } = TimeSpan.FromMilliseconds(100);

    public int MaxPoolSize { get; set; } = 50;

    public int MinPoolSize { get; set; } = 2;

    /// <summary>
    /// How long a query waits for a connection (a free one from the pool, or a new one opened), then fails as
    /// "database unavailable" (503). Npgsql's default waits 15 s, longer than a request's 10 s budget, so while
    /// PostgreSQL hangs every request would hold its slot for its whole budget. Bounding the wait was meant to stop the
    /// 429s seen just after a PostgreSQL freeze (68 in the chaos run of 2026-11-29 17:57); the next run still had
    /// them (217), so their cause is open and this is kept only as a fail-fast bound.
    /// </summary>
    public TimeSpan ConnectionWait { get; set; } = TimeSpan.FromSeconds(3);

    public TimeSpan TimeoutFor(QueryKind kind) => kind switch
    {
        QueryKind.Write => WriteTimeout,
        QueryKind.Analytics => AnalyticsTimeout,
        _ => ReadTimeout,
    };
}

public enum QueryKind
{
    Read,
    Write,
    Analytics,
}

/// <summary>What a query is, for its metric labels, its log line and its time budget.</summary>
public readonly record struct Query(string Table, string Operation, QueryKind Kind)
{
    public static Query Read(string table, string operation) => new(table, operation, QueryKind.Read);

    public static Query Write(string table, string operation) => new(table, operation, QueryKind.Write);

    public static Query Analytics(string table, string operation) => new(table, operation, QueryKind.Analytics);
}

/// <summary>A query ran past its budget and was cancelled on the server.</summary>
public sealed class DatabaseTimeoutException(Query query, TimeSpan budget, Exception inner)
    : Exception(
        $"The {query.Operation} query on {query.Table} was cancelled after its {budget.TotalSeconds:0.###} s budget.",
        inner)
{
    public Query Query { get; } = query;
}
