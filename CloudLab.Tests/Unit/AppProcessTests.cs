using CloudLab.LoadTests.Engine;
using CloudLab.LoadTests.Scenarios;

namespace CloudLab.Tests.Unit;

public sealed class AppProcessTests
{
    [Fact]
    public async Task An_app_that_exits_while_starting_is_reported_as_exited_with_where_to_look_and_what_to_run()
    {
        // A folder with no AppHost in it: `dotnet run` exits at once, as the AppHost does without redis-server.
        var emptyRoot = Directory.CreateTempSubdirectory("cloudlab-no-apphost-").FullName;
        var nowhere = new Uri("http://127.0.0.1:9");
        try
        {
            var failure = await Assert.ThrowsAsync<InvalidOperationException>(() => AppProcess.StartAsync(
                emptyRoot, new Targets(nowhere, nowhere, nowhere, nowhere, nowhere), [], CancellationToken.None));

            Assert.Contains("exited", failure.Message, StringComparison.Ordinal);
            Assert.Contains("./cloudlab.sh setup", failure.Message, StringComparison.Ordinal);
            Assert.Contains(AppProcess.LogPath, failure.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(emptyRoot, recursive: true);
        }
    }
}
