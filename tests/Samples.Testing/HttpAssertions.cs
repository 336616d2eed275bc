using System.Net;
using System.Text;
using System.Text.Json.Nodes;

using Xunit;

namespace Samples.Testing;

public static class Requests
{
    public static HttpRequestMessage Put(string path, JsonObject body, string? ifMatch)
    {
        var request = new HttpRequestMessage(HttpMethod.Put, path)
        {
            Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"),
        };
        if (ifMatch is not null)
        {
            request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        }

        return request;
    }

    public static HttpRequestMessage Delete(string path, string ifMatch)
    {
        var request = new HttpRequestMessage(HttpMethod.Delete, path);
        request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        return request;
    }

    public static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");
}

public static class Problems
{
    /// <summary>Asserts an RFC 7807 answer with this status, and returns its body.</summary>
    public static async Task<JsonObject> AssertAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.StatusCode == status, $"Expected {(int)status}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonNode.Parse(text)!.AsObject();
        Assert.Equal((int)status, problem["status"]!.GetValue<int>());
        Assert.False(string.IsNullOrEmpty(problem["title"]?.GetValue<string>()));
        Assert.False(string.IsNullOrEmpty(problem["correlationId"]?.GetValue<string>()));
        AssertStandardHeaders(response);
        Assert.Equal(problem["correlationId"]!.GetValue<string>(), response.Headers.GetValues("X-Correlation-Id").Single());
        return problem;
    }

    /// <summary>
    /// What every response carries, its error responses (written by the exception handler) included: a
    /// correlation id, no MIME sniffing, no caching, and no server banner.
    /// </summary>
    public static void AssertStandardHeaders(HttpResponseMessage response)
    {
        Assert.True(response.Headers.TryGetValues("X-Correlation-Id", out var ids) && ids.Single().Length > 0, $"{(int)response.StatusCode} without X-Correlation-Id");
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.True(response.Headers.CacheControl?.NoStore, $"{(int)response.StatusCode} without Cache-Control: no-store");
        Assert.Empty(response.Headers.Server);
    }
}
