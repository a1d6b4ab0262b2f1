using System.IO.Pipelines;
using CloudLab.ServiceDefaults.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace CloudLab.Tests.Unit;

public sealed class SmallResponseBodyTests
{
    [Fact]
    public async Task A_body_under_the_threshold_is_sent_whole_with_its_length()
    {
        var (context, inner, sent) = Response();
        var body = new SmallResponseBodyFeature(inner, context.Response, threshold: 1024);

        await body.Writer.WriteAsync(new byte[300]);
        await body.Writer.FlushAsync();
        Assert.Equal(0, sent.Length); // held back
        await body.FinishAsync();

        Assert.Equal(300, context.Response.ContentLength);
        Assert.Equal(300, sent.Length);
    }

    [Fact]
    public async Task A_body_over_the_threshold_streams_without_a_length()
    {
        var (context, inner, sent) = Response();
        var body = new SmallResponseBodyFeature(inner, context.Response, threshold: 1024);

        await body.Writer.WriteAsync(new byte[700]);
        await body.Writer.WriteAsync(new byte[700]);
        await body.Writer.FlushAsync();
        Assert.Equal(1400, sent.Length); // passed through once past the threshold
        await body.Writer.WriteAsync(new byte[100]);
        await body.FinishAsync();

        Assert.Null(context.Response.ContentLength);
        Assert.Equal(1500, sent.Length);
    }

    private static (DefaultHttpContext Context, IHttpResponseBodyFeature Inner, MemoryStream Sent) Response()
    {
        var sent = new MemoryStream();
        var context = new DefaultHttpContext();
        var inner = new StreamResponseBodyFeature(sent);
        context.Features.Set<IHttpResponseBodyFeature>(inner);
        return (context, inner, sent);
    }
}
