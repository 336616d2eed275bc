using System.Net.Http.Headers;
using System.Text.Json.Nodes;

namespace Samples.Products.Tests;

/// <summary>
/// A generated corpus of hostile bodies (<see cref="HostileCorpus"/>) against every route that reads one:
/// each must get a 4xx problem with a correlation id, never a 5xx, and leave the table as it was.
/// </summary>
public sealed class HostileInputTests(ProductsApp app) : IClassFixture<ProductsApp>
{
    private static readonly string Tag51 = new('t', 51);

    public static IReadOnlyList<HostileCase> Corpus { get; } = HostileCorpus.Bodies(ProductsApp.ValidBody(), new Dictionary<string, IEnumerable<string>>
    {
        ["name"] = HostileCorpus.BadLines("Cup").Select(HostileCorpus.Token).Concat(["null", "42", "true", "[]", "\"\"", HostileCorpus.Token(new string('n', 201))]),
        ["description"] = HostileCorpus.BadMultiline("Porcelain.\n80 ml.").Select(HostileCorpus.Token).Concat(["42", "[]", HostileCorpus.Token(new string('d', 2001))]),
        ["price"] = HostileCorpus.BadNumbers.Concat(["-1", "-0.01", "1.999", "\"12.50\"", "true", "null", "[]"]),
        ["currency"] = new[] { "eur", "EUR\n", "EUR\r\n", "EU", "", "XXX", "EUR\u0000", "E\u200BUR", "ＥＵＲ" }.Select(HostileCorpus.Token).Concat(["1", "null"]),
        ["tags"] = HostileCorpus.BadLines("kitchen").Select(tag => $"[{HostileCorpus.Token(tag)}]")
            .Concat(["[\"\"]", "[null]", "[1]", "\"kitchen\"", "[[\"nested\"]]", $"[\"{Tag51}\"]", "[" + string.Join(",", Enumerable.Repeat("\"t\"", 11)) + "]"]),
    });

    [Fact]
    public void The_corpus_is_large()
    {
        Assert.True(Corpus.Count >= 300, $"{Corpus.Count} cases");
    }

    [Fact]
    public async Task Every_hostile_create_body_gets_a_4xx_problem_and_writes_nothing()
    {
        using var admin = app.Admin();
        await AssertRefusedAsync(admin, body => new HttpRequestMessage(HttpMethod.Post, "/products") { Content = body });
    }

    [Fact]
    public async Task Every_hostile_replace_body_gets_a_4xx_problem_and_changes_nothing()
    {
        var id = await app.CreateProductAsync();
        using var admin = app.Admin();
        await AssertRefusedAsync(admin, body =>
        {
            var request = new HttpRequestMessage(HttpMethod.Put, $"/products/{id}") { Content = body };
            request.Headers.TryAddWithoutValidation("If-Match", "\"1\"");
            return request;
        });
    }

    private async Task AssertRefusedAsync(HttpClient client, Func<HttpContent, HttpRequestMessage> request)
    {
        var cancel = TestContext.Current.CancellationToken;
        var before = await TestTables.SnapshotAsync(app.Table);
        var failures = new List<string>();
        foreach (var hostile in Corpus)
        {
            var content = new ByteArrayContent(hostile.Body);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            using var message = request(content);
            using var response = await client.SendAsync(message, cancel);
            var text = await response.Content.ReadAsStringAsync(cancel);
            var problem = response.Content.Headers.ContentType?.MediaType == "application/problem+json" ? JsonNode.Parse(text) : null;
            var header = response.Headers.TryGetValues("X-Correlation-Id", out var values) ? values.Single() : null;
            if ((int)response.StatusCode is < 400 or >= 500 || problem?["correlationId"]?.GetValue<string>() is not { Length: > 0 } id || id != header)
            {
                failures.Add($"{hostile.Name}: {(int)response.StatusCode} {text}");
                before = await TestTables.SnapshotAsync(app.Table);
            }
            else if (!before.SequenceEqual(await TestTables.SnapshotAsync(app.Table)))
            {
                failures.Add($"{hostile.Name}: {(int)response.StatusCode}, but the table changed");
                before = await TestTables.SnapshotAsync(app.Table);
            }
        }

        Assert.True(failures.Count == 0, $"{failures.Count} of {Corpus.Count} hostile bodies were not refused cleanly:\n{string.Join("\n", failures.Take(40))}");
    }
}
