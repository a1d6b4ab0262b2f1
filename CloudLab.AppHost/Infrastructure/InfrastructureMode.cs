using System.Diagnostics;
using Microsoft.Extensions.Configuration;

namespace CloudLab.AppHost.Infrastructure;

public enum InfrastructureMode
{
    /// <summary>PostgreSQL and Redis as containers (AddPostgres/AddRedis). Always used when publishing.</summary>
    Containers,

    /// <summary>PostgreSQL and Redis as local processes from the machine's binaries.</summary>
    Local,
}

public static class InfrastructureModeSelector
{
    /// <summary>
    /// <c>Infrastructure:Mode</c> = <c>auto</c> (default) | <c>containers</c> | <c>local</c>.
    /// Auto picks containers only when the container runtime's engine answers.
    /// </summary>
    public static InfrastructureMode Select(IDistributedApplicationBuilder builder)
    {
        if (builder.ExecutionContext.IsPublishMode)
        {
            return InfrastructureMode.Containers;
        }

        var configured = builder.Configuration["Infrastructure:Mode"] ?? "auto";
        return configured.ToLowerInvariant() switch
        {
            "containers" => InfrastructureMode.Containers,
            "local" => InfrastructureMode.Local,
            "auto" => ContainerEngineAnswers(builder.Configuration)
                ? InfrastructureMode.Containers
                : InfrastructureMode.Local,
            _ => throw new DistributedApplicationException(
                $"Infrastructure:Mode is '{configured}'; use auto, containers or local."),
        };
    }

    private static bool ContainerEngineAnswers(IConfiguration configuration)
    {
        var runtime = configuration["ASPIRE_CONTAINER_RUNTIME"]
            ?? configuration["DOTNET_ASPIRE_CONTAINER_RUNTIME"]
            ?? "docker";
        try
        {
            using var probe = Process.Start(new ProcessStartInfo(runtime, ["info", "--format", "{{.ServerVersion}}"])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            });
            if (probe is null)
            {
                return false;
            }

            // The engine answers in well under a second; a hung client must not hang the app.
            if (!probe.WaitForExit(TimeSpan.FromSeconds(5)))
            {
                probe.Kill(entireProcessTree: true);
                return false;
            }

            return probe.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false; // the runtime's client is not installed
        }
    }
}
