namespace CloudLab.ServiceDefaults.Data;

/// <summary>
/// An array parameter written so that PostgreSQL keeps one cached plan for a statement run again and again with arrays
/// of different lengths, such as a batch's rows: <c>(SELECT @ids)::uuid[]</c> instead of <c>@ids</c>.
/// </summary>
/// <remarks>
/// Why: a prepared statement is planned anew for each call while a plan made for the call's own values looks cheaper
/// than the cached generic plan, and with the array's length in sight it always did for updates that find their rows
/// by an index (<c>WHERE id = ANY(@ids)</c>, <c>FROM unnest(@ids, …)</c>). Behind a sub-select the planner cannot see
/// the array, both plans cost the same, and from the sixth call on the generic plan serves. Six write statements were
/// planned at every call: 0.93 s of PostgreSQL's time in 30 s at 500 orders/s, and 1.46 ms per order at 20 orders/s,
/// where each batch holds one (CloudLab.Benchmarks/writes/tables.sh, docs/performance/write-path/round26.md). Not for
/// a read whose best plan depends on the values.
/// </remarks>
public static class CachedPlanArray
{
    /// <summary>The parameter (<c>@ids</c>) as a sub-select cast to its array type (<c>uuid[]</c>).</summary>
    public static string Of(string parameter, string arrayType) => $"(SELECT {parameter})::{arrayType}";
}
