using CloudLab.UserService.Domain;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace CloudLab.Tests.Unit;

/// <summary>
/// Password hashing runs on its own threads at a lower CPU priority (a higher Linux nice value), so log-ins take the
/// CPU other requests leave instead of queueing every request behind them.
/// </summary>
public sealed class PasswordHashingPoolTests
{
    [Fact]
    public async Task The_hashing_threads_run_at_the_configured_nice_value_and_still_hash()
    {
        using var pool = new PasswordHashingPool(
            Options.Create(new PasswordHashingOptions { Workers = 1, Niceness = 7 }));

        var hash = await pool.HashAsync("correct horse").WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(
            PasswordVerificationResult.Success,
            await pool.VerifyAsync(hash, "correct horse").WaitAsync(TimeSpan.FromSeconds(30)));
        if (!OperatingSystem.IsLinux())
        {
            return; // nice values are Linux's
        }

        // Linux shows a thread's name cut to 15 characters, and its nice value as the 19th field of its stat line.
        var niceness = Directory.GetDirectories("/proc/self/task")
            .Where(task => ReadIfRunning(Path.Combine(task, "comm"))?.Trim() == "password-hashin")
            .Select(task => ReadIfRunning(Path.Combine(task, "stat")))
            .OfType<string>()
            .Select(stat => int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[16]))
            .ToList();
        Assert.Contains(7, niceness);
    }

    /// <summary>
    /// A file of a thread of this process, or null when the thread ended after the task list was read (other tests'
    /// threads come and go meanwhile: a full run once failed here with the task's folder gone).
    /// </summary>
    private static string? ReadIfRunning(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (IOException) // the folder gone, or the thread ended while its file was read
        {
            return null;
        }
    }
}
