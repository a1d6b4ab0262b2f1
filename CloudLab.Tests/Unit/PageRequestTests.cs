using CloudLab.ServiceDefaults.Http;

namespace CloudLab.Tests.Unit;

public sealed class PageRequestTests
{
    [Fact]
    public void Missing_values_take_the_defaults()
    {
        var page = PageRequest.Parse(null, "");
        Assert.Equal(new PageRequest(1, 20), page);
        Assert.Equal(0, page.Offset);
    }

    [Theory]
    [InlineData("3", "100", 3, 100, 200)]
    [InlineData("1", "1", 1, 1, 0)]
    public void Valid_values_are_kept(string page, string size, int expectedPage, int expectedSize, int expectedOffset)
    {
        var parsed = PageRequest.Parse(page, size);
        Assert.Equal(expectedPage, parsed.Page);
        Assert.Equal(expectedSize, parsed.PageSize);
        Assert.Equal(expectedOffset, parsed.Offset);
    }

    [Theory]
    [InlineData("0", null, "page")]
    [InlineData("-1", null, "page")]
    [InlineData("x", null, "page")]
    [InlineData("1.5", null, "page")]
    [InlineData(null, "0", "page_size")]
    [InlineData(null, "101", "page_size")]
    [InlineData(null, "ten", "page_size")]
    public void Out_of_range_values_are_named_in_the_error(string? page, string? size, string field)
    {
        var error = Assert.Throws<RequestValidationException>(() => PageRequest.Parse(page, size));
        Assert.True(error.Errors.ContainsKey(field));
    }
}
