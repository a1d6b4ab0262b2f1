using Microsoft.Extensions.Configuration;

namespace CloudLab.AppHost.Infrastructure;

/// <summary>
/// Where the local PostgreSQL and Redis keep their data. Persistent by default (a user's data survives a restart),
/// under <c>Infrastructure:DataDirectory</c> (default <c>.cloudlab/</c> at the repository root);
/// <c>Infrastructure:Ephemeral=true</c> gives a throwaway directory that is deleted when the app stops (tests).
/// </summary>
public sealed record LocalStorage(string PostgresDirectory, string RedisDirectory, bool Ephemeral)
{
    public static LocalStorage FromConfiguration(IDistributedApplicationBuilder builder)
    {
        var ephemeral = builder.Configuration.GetValue("Infrastructure:Ephemeral", false);
        var root = ephemeral
            ? Path.Combine(Path.GetTempPath(), $"cloudlab-{Guid.NewGuid():N}")
            : Path.GetFullPath(builder.Configuration["Infrastructure:DataDirectory"]
                ?? Path.Combine(builder.AppHostDirectory, "..", ".cloudlab"));

        var storage = new LocalStorage(Path.Combine(root, "postgres"), Path.Combine(root, "redis"), ephemeral);
        Directory.CreateDirectory(storage.RedisDirectory);
        if (ephemeral)
        {
            AppDomain.CurrentDomain.ProcessExit += (_, _) => TryDelete(root);
        }

        return storage;
    }

    private static void TryDelete(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
            // PostgreSQL may still be removing its files; the OS temp cleaner takes the rest.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
