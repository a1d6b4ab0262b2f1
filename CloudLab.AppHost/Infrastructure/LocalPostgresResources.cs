namespace CloudLab.AppHost.Infrastructure;

/// <summary>A PostgreSQL server run from the machine's own binaries (see postgres-local.sh).</summary>
public sealed class LocalPostgresServerResource(string name, string command, string workingDirectory)
    : ExecutableResource(name, command, workingDirectory), IResourceWithConnectionString
{
    internal const string EndpointName = "tcp";

    private EndpointReference? _endpoint;

    public EndpointReference PrimaryEndpoint => _endpoint ??= new(this, EndpointName);

    public ReferenceExpression ConnectionStringExpression
    {
        get
        {
            var host = PrimaryEndpoint.Property(EndpointProperty.Host);
            var port = PrimaryEndpoint.Property(EndpointProperty.Port);
            return ReferenceExpression.Create($"Host={host};Port={port};Username=postgres");
        }
    }

    public List<string> DatabaseNames { get; } = [];
}

/// <summary>A database on a <see cref="LocalPostgresServerResource"/>; created by the server's start script.</summary>
public sealed class LocalPostgresDatabaseResource(string name, LocalPostgresServerResource parent)
    : Resource(name), IResourceWithParent<LocalPostgresServerResource>, IResourceWithConnectionString
{
    public LocalPostgresServerResource Parent => parent;

    public ReferenceExpression ConnectionStringExpression => ReferenceExpression.Create($"{Parent};Database={Name}");
}
