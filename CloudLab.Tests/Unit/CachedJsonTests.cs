using System.Text.Json.Serialization.Metadata;
using System.Text.Json;
using System.Text;
using CloudLab.ServiceDefaults.Caching;
using CloudLab.ServiceDefaults.Http;
using CloudLab.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace CloudLab.Tests.Unit;

/// <summary>The cached response of one entity: bytes and ETag, written to the response as they are.</summary>
public sealed class CachedJsonTests
{
    private const string CacheControl = "public, no-cache";
    private static readonly CachedJson Entry = new(Encoding.UTF8.GetBytes("""{"id":7,"name":"lamp"}"""), "\"3\"", 3);

    [Fact]
    public async Task A_read_gets_the_stored_bytes_with_their_length_tag_and_cache_control()
    {
        var (context, sent) = Context();

        await new CachedJsonResult<object>(Entry, CacheControl).ExecuteAsync(context);

        Assert.Equal(StatusCodes.Status200OK, context.Response.StatusCode);
        Assert.Equal(Entry.Utf8Json, sent.ToArray());
        Assert.Equal(Entry.Utf8Json.Length, context.Response.ContentLength);
        Assert.Equal("application/json; charset=utf-8", context.Response.ContentType);
        Assert.Equal("\"3\"", context.Response.Headers.ETag.ToString());
        Assert.Equal(CacheControl, context.Response.Headers.CacheControl.ToString());
    }

    [Theory]
    [InlineData("\"3\"", true)]
    [InlineData("W/\"3\"", true)] // If-None-Match compares weakly (RFC 9110 §13.1.2)
    [InlineData("\"1\", \"3\"", true)]
    [InlineData("*", true)]
    [InlineData("\"4\"", false)]
    public async Task If_none_match_naming_the_tag_is_answered_not_modified_without_a_body(
        string ifNoneMatch, bool notModified)
    {
        var (context, sent) = Context();
        context.Request.Headers.IfNoneMatch = ifNoneMatch;

        await new CachedJsonResult<object>(Entry, CacheControl).ExecuteAsync(context);

        Assert.Equal(notModified ? StatusCodes.Status304NotModified : StatusCodes.Status200OK,
            context.Response.StatusCode);
        Assert.Equal(notModified ? 0 : Entry.Utf8Json.Length, sent.Length);
        Assert.Equal("\"3\"", context.Response.Headers.ETag.ToString());
        Assert.Equal(CacheControl, context.Response.Headers.CacheControl.ToString());
    }

    [Fact]
    public void In_redis_the_entry_is_its_tag_version_and_body_as_plain_json_and_reads_back_byte_for_byte()
    {
        var stored = JsonSerializer.SerializeToUtf8Bytes(Entry, JsonSerializerOptions.Web);
        using (var document = JsonDocument.Parse(stored))
        {
            Assert.Equal("\"3\"", document.RootElement.GetProperty("etag").GetString());
            Assert.Equal(3, document.RootElement.GetProperty("version").GetInt64());
            Assert.Equal("""{"id":7,"name":"lamp"}""", document.RootElement.GetProperty("body").GetRawText());
        }

        var read = JsonSerializer.Deserialize<CachedJson>(stored, JsonSerializerOptions.Web)!;
        Assert.Equal(Entry.Utf8Json, read.Utf8Json);
        Assert.Equal(Entry.ETag, read.ETag);
        Assert.Equal(Entry.Version, read.Version);
        Assert.Null(JsonSerializer.Deserialize<CachedJson>("""{"etag":"\"a\"","body":{}}""")!.Version);
        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<CachedJson>("""{"id":7}"""));
    }

    [Fact]
    public async Task A_memory_hit_is_the_same_entry_so_nothing_is_serialized_again()
    {
        using var host = OfflineCache.CreateHost();
        var cache = host.Services.GetRequiredService<ServiceCache>();
        var policy = new CachePolicy("bytes-test", TimeSpan.FromMinutes(5));
        var loads = 0;

        var typeInfo = (JsonTypeInfo<int>)JsonSerializerOptions.Web.GetTypeInfo(typeof(int));
        var reads = new CachedJson[3];
        for (var i = 0; i < reads.Length; i++)
        {
            reads[i] = await cache.GetOrLoadAsync(policy, policy.Key(1), 0, (value, _) =>
            {
                loads++;
                return Task.FromResult(CachedJson.Create(value, typeInfo, version: 1));
            });
        }

        Assert.Equal(1, loads);
        Assert.Same(reads[0], reads[1]);
        Assert.Same(reads[0].Utf8Json, reads[2].Utf8Json);
    }

    private static (DefaultHttpContext Context, MemoryStream Sent) Context()
    {
        var sent = new MemoryStream();
        var context = new DefaultHttpContext { Response = { Body = sent } };
        return (context, sent);
    }
}
