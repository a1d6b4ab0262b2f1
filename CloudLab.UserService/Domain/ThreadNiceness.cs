using System.Runtime.InteropServices;

namespace CloudLab.UserService.Domain;

/// <summary>
/// Lowers the calling thread's share of the CPU on Linux by raising its nice value. <c>Thread.Priority</c> cannot do
/// it there: Linux's default scheduler ignores the priority .NET sets, and weighs threads by nice value instead, which
/// Linux keeps per thread. Hand-rolled because no library in the package feed sets it.
/// </summary>
internal static class ThreadNiceness
{
    private const int PriorityOfProcess = 0; // PRIO_PROCESS; with who = 0 Linux applies it to the calling thread only

    /// <summary>False where the operating system is not Linux or refused the value.</summary>
    public static bool TrySetForCurrentThread(int niceness) =>
        OperatingSystem.IsLinux() && SetPriority(PriorityOfProcess, 0, niceness) == 0;

    // DllImport, not LibraryImport: its arguments are plain ints, which need no marshalling code, and LibraryImport's
    // generated code would need unsafe code allowed in the whole project.
    [DllImport("libc", EntryPoint = "setpriority")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int SetPriority(int which, int who, int priority);
}
