using Npgsql;

namespace CloudLab.Tests.Infrastructure;

public static class Sql
{
    /// <summary>
    /// Runs a statement on a test's own connection. Two minutes: some tests insert production-like volumes first.
    /// </summary>
    public static async Task ExecuteAsync(this NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 120 };
        await command.ExecuteNonQueryAsync();
    }
}
