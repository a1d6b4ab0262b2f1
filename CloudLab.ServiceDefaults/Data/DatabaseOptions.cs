namespace CloudLab.ServiceDefaults.Data;

/// <summary>Configuration section <c>Database</c>: the standard's query budgets and each service's pool size.</summary>
public sealed class DatabaseOptions
{
    public TimeSpan ReadTimeout { get; set; } = TimeSpan.FromSeconds(10);

    public TimeSpan WriteTimeout { get; set; } = TimeSpan.FromSeconds(30);

    public TimeSpan AnalyticsTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Queries slower than this are logged (operation, table and duration; never parameter values).</summary>
    public TimeSpan SlowQueryThreshold { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// Connections a service (each replica) may hold. Sized by measurement, not by the load: a batched service needs
    /// few, and PostgreSQL on two cores runs two at a time. On one 2-core machine (round 21 of the write path,
    /// <c>pg_stat_activity</c> every 0.5 s) no service held more than 7 at the busiest load test, 5,000 writes a
    /// second offered. Larger pools (40-60) only filled in floods: to 33 and 41 in a load test's warm-up, and all of
    /// them while PostgreSQL was frozen for 5 s (the short chaos plan). After the thaw PostgreSQL then started ~110
    /// backends at once, one every ~50 ms, and requests waited for them for ~6 s. With 20 it started 19-34 (five
    /// runs), and requests drained in 1-2 s where sampled.
    /// </summary>
    public int MaxPoolSize { get; set; } = 20;

    public int MinPoolSize { get; set; } = 2;

    /// <summary>
    /// How long a query waits for a connection (a free one from the pool, or a new one opened), then fails as
    /// "database unavailable" (503); a request's own budget ends the wait sooner. It was 3 s, meant as a fail-fast
    /// bound, and that turned a short PostgreSQL freeze into errors that outlived it: every connection attempt made
    /// while the server was stopped was given up at 3 s and replaced by another, and once the server ran again it took
    /// the abandoned attempts first, so new ones timed out in the TCP connect for seconds. In the short chaos run's
    /// 5 s freeze (2026-12-01, one machine): with 3 s, 244–452 errors of ~750 requests during it and the first clean
    /// second 3–14 s after it (six runs); with 10 s, 2–24 errors during it and the first clean second at once (four
    /// runs, one of which refused 75 requests 5–7 s after it). Npgsql's default is 15 s.
    /// </summary>
    public TimeSpan ConnectionWait { get; set; } = TimeSpan.FromSeconds(10);

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
