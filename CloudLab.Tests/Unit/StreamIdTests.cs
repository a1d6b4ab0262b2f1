using CloudLab.ServiceDefaults.Messaging;

namespace CloudLab.Tests.Unit;

public sealed class StreamIdTests
{
    [Theory]
    [InlineData("1700000000000-5", 1700000000000, 5)]
    [InlineData("1700000000000", 1700000000000, 0)]
    [InlineData("", 0, 0)]
    [InlineData(null, 0, 0)]
    [InlineData("not-an-id", 0, 0)]
    public void Parses_stream_ids_and_reads_anything_else_as_the_earliest(string? text, long ms, long sequence) =>
        Assert.Equal(new StreamId(ms, sequence), StreamId.ParseOrZero(text));

    [Fact]
    public void Orders_by_time_then_sequence() =>
        Assert.Equal(new StreamId(5, 9), StreamId.Min(new StreamId(6, 0), new StreamId(5, 9)));
}
