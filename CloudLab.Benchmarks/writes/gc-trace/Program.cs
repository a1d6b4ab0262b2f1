// Summarises a dotnet-trace file of the runtime's GC events (keyword 0x1, verbose): each collection's generation and
// pause, and what it promoted through the stacks against through older generations (objects referenced from older
// objects: caches, queues, long-lived loops), then the allocations by type and by stack from the allocation ticks.
using Microsoft.Diagnostics.Tracing;
using Microsoft.Diagnostics.Tracing.Etlx;

if (args.Length != 1)
{
    Console.Error.WriteLine("usage: GcTrace <file.nettrace>");
    return 1;
}

using var log = new TraceLog(TraceLog.CreateFromEventPipeDataFile(args[0]));
var byType = new Dictionary<string, long>();
var byStack = new Dictionary<string, long>();
var collections = new List<Collection>();
Collection? current = null;
double suspendStarted = 0, first = double.NaN, last = 0;
long allocated = 0;
foreach (var data in log.Events)
{
    first = double.IsNaN(first) ? data.TimeStampRelativeMSec : first;
    last = data.TimeStampRelativeMSec;
    switch (data.EventName)
    {
        case "GC/SuspendEEStart":
            suspendStarted = data.TimeStampRelativeMSec;
            break;
        case "GC/Start":
            current = new Collection { Generation = Convert.ToInt32(data.PayloadByName("Depth")) };
            break;
        case "GC/MarkWithType" when current is not null:
            // Root kinds: 0 stacks, 3 older generations (through the card table).
            var promoted = Convert.ToInt64(data.PayloadByName("Promoted"));
            switch (Convert.ToInt32(data.PayloadByName("Type")))
            {
                case 0: current.FromStacks += promoted; break;
                case 3: current.FromOlder += promoted; break;
                default: current.FromOther += promoted; break;
            }

            break;
        case "GC/RestartEEStop" when current is not null:
            current.PauseMs = data.TimeStampRelativeMSec - suspendStarted;
            collections.Add(current);
            current = null;
            break;
        case "GC/AllocationTick":
            var type = (string)data.PayloadByName("TypeName");
            var amount = Convert.ToInt64(
                data.PayloadByName("AllocationAmount64") ?? data.PayloadByName("AllocationAmount"));
            allocated += amount;
            byType[type] = byType.GetValueOrDefault(type) + amount;
            var frames = new List<string>();
            for (var frame = data.CallStack(); frame is not null && frames.Count < 10; frame = frame.Caller)
            {
                var name = frame.CodeAddress.FullMethodName;
                if (!string.IsNullOrEmpty(name))
                {
                    frames.Add(name.Length > 120 ? name[..120] : name);
                }
            }

            var stack = type + "\n      " + string.Join("\n      ", frames);
            byStack[stack] = byStack.GetValueOrDefault(stack) + amount;
            break;
    }
}

var seconds = (last - first) / 1000;
var megabytes = allocated / 1048576.0;
Console.WriteLine($"{seconds:F1} s traced; allocation ticks cover {megabytes:F0} MB ({megabytes / seconds:F1} MB/s)");
Console.WriteLine();
Console.WriteLine("gen  pause ms  promoted KB: from stacks · from older generations · other");
foreach (var collection in collections)
{
    Console.WriteLine(
        $"{collection.Generation,3}  {collection.PauseMs,8:F1}  {collection.FromStacks / 1024,10:N0} · "
        + $"{collection.FromOlder / 1024,6:N0} · {collection.FromOther / 1024,6:N0}");
}

foreach (var generation in collections.GroupBy(collection => collection.Generation).OrderBy(group => group.Key))
{
    Console.WriteLine(
        $"gen{generation.Key}: {generation.Count()} collections, "
        + $"mean pause {generation.Average(c => c.PauseMs):F1} ms, "
        + $"mean promoted from older generations {generation.Average(c => c.FromOlder) / 1024:N0} KB");
}

Console.WriteLine();
Console.WriteLine("allocations by type (share of the sampled bytes)");
foreach (var (type, amount) in byType.OrderByDescending(pair => pair.Value).Take(25))
{
    Console.WriteLine($"{100.0 * amount / allocated,5:F1} % {type}");
}

Console.WriteLine();
Console.WriteLine("allocations by stack");
foreach (var (stack, amount) in byStack.OrderByDescending(pair => pair.Value).Take(30))
{
    Console.WriteLine($"{100.0 * amount / allocated,5:F1} % {stack}");
}

return 0;

internal sealed class Collection
{
    public int Generation { get; init; }
    public double PauseMs { get; set; }
    public long FromStacks { get; set; }
    public long FromOlder { get; set; }
    public long FromOther { get; set; }
}
