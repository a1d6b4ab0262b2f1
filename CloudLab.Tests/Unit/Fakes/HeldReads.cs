namespace CloudLab.Tests.Unit.Fakes;

/// <summary>
/// Lets a test hold a fake store's reads between reading and returning, as a slow query would: a read made while
/// <see cref="AfterRead"/> is set has read its value already and awaits it before answering.
/// </summary>
internal sealed class HeldReads
{
    public Func<Task>? AfterRead { get; set; }

    public async Task<T> AnswerAsync<T>(T value)
    {
        if (AfterRead is { } wait)
        {
            await wait();
        }

        return value;
    }
}
