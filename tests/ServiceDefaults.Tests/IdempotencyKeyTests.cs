using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;

namespace Samples.ServiceDefaults.Tests;

/// <summary>
/// POST /products with an Idempotency-Key (IETF httpapi draft): the first outcome is stored with the key, scoped to
/// the caller, and returned to a retry byte for byte; another body with the same key is a 422; a retry while the
/// first runs is a 409 with Retry-After; keys expire; a malformed key is a 400 that changes nothing.
/// </summary>
public sealed class IdempotencyKeyTests(ProductsApp app) : IClassFixture<ProductsApp>
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_retry_with_the_same_key_and_body_gets_the_first_response_byte_for_byte_and_nothing_new_is_stored()
    {
        using var client = app.Admin();
        var key = NewKey();
        var before = await TestTables.SnapshotAsync(app.Table);

        using var first = await PostAsync(client, key, ProductsApp.ValidBody("Once"));
        var firstBody = await first.Content.ReadAsByteArrayAsync(Cancel);
        using var retry = await PostAsync(client, key, ProductsApp.ValidBody("Once"));
        var retryBody = await retry.Content.ReadAsByteArrayAsync(Cancel);

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.Created, retry.StatusCode);
        Assert.Equal(firstBody, retryBody);
        Assert.Equal(first.Headers.Location, retry.Headers.Location);
        Assert.Equal(first.Headers.ETag, retry.Headers.ETag);
        Assert.Equal(first.Content.Headers.ContentType, retry.Content.Headers.ContentType);
        Assert.Equal("true", retry.Headers.GetValues("Idempotent-Replayed").Single());
        Assert.False(first.Headers.Contains("Idempotent-Replayed"));
        Assert.Equal(before.Count + 1, (await TestTables.SnapshotAsync(app.Table)).Count);
    }

    [Fact]
    public async Task Without_a_key_two_identical_posts_make_two_products_as_before()
    {
        using var client = app.Admin();
        var before = await TestTables.SnapshotAsync(app.Table);

        using var first = await client.PostAsJsonAsync("/products", ProductsApp.ValidBody(), Cancel);
        using var second = await client.PostAsJsonAsync("/products", ProductsApp.ValidBody(), Cancel);

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.Created, second.StatusCode);
        Assert.NotEqual(first.Headers.Location, second.Headers.Location);
        Assert.Equal(before.Count + 2, (await TestTables.SnapshotAsync(app.Table)).Count);
    }

    [Fact]
    public async Task The_same_key_with_a_different_body_is_a_422_problem_and_changes_nothing()
    {
        using var client = app.Admin();
        var key = NewKey();
        using var first = await PostAsync(client, key, ProductsApp.ValidBody("Original"));
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        var before = await TestTables.SnapshotAsync(app.Table);

        using var reused = await PostAsync(client, key, ProductsApp.ValidBody("Something else"));

        await Problems.AssertAsync(reused, HttpStatusCode.UnprocessableEntity);
        Assert.Equal(before, await TestTables.SnapshotAsync(app.Table));
    }

    [Fact]
    public async Task Keys_are_scoped_to_the_caller_another_admin_with_the_same_key_makes_their_own_product()
    {
        var key = NewKey();
        using var ada = app.ClientWithToken(TestIssuer.Token("ada-sub", ["admin"]));
        using var bob = app.ClientWithToken(TestIssuer.Token("bob-sub", ["admin"]));

        using var fromAda = await PostAsync(ada, key, ProductsApp.ValidBody());
        using var fromBob = await PostAsync(bob, key, ProductsApp.ValidBody());

        Assert.Equal(HttpStatusCode.Created, fromAda.StatusCode);
        Assert.Equal(HttpStatusCode.Created, fromBob.StatusCode);
        Assert.NotEqual(fromAda.Headers.Location, fromBob.Headers.Location);
        Assert.False(fromBob.Headers.Contains("Idempotent-Replayed"));
    }

    [Fact]
    public async Task Twenty_concurrent_duplicates_create_exactly_one_product_and_the_others_wait_or_replay()
    {
        var key = NewKey();
        var before = await TestTables.SnapshotAsync(app.Table);
        var clients = Enumerable.Range(0, 20).Select(_ => app.Admin()).ToList();

        var responses = await Task.WhenAll(clients.Select(client => PostAsync(client, key, ProductsApp.ValidBody("Concurrent"))));

        try
        {
            Assert.All(responses, response => Assert.Contains(response.StatusCode, new[] { HttpStatusCode.Created, HttpStatusCode.Conflict }));
            var created = responses.Where(response => response.StatusCode == HttpStatusCode.Created).ToList();
            Assert.NotEmpty(created);
            var bodies = await Task.WhenAll(created.Select(response => response.Content.ReadAsStringAsync(Cancel)));
            Assert.Single(bodies.Distinct());
            foreach (var waiting in responses.Where(response => response.StatusCode == HttpStatusCode.Conflict))
            {
                await Problems.AssertAsync(waiting, HttpStatusCode.Conflict);
                Assert.InRange(waiting.Headers.RetryAfter!.Delta!.Value.TotalSeconds, 1, 10);
            }

            Assert.Equal(before.Count + 1, (await TestTables.SnapshotAsync(app.Table)).Count);
            using var settled = await PostAsync(clients[0], key, ProductsApp.ValidBody("Concurrent"));
            Assert.Equal(HttpStatusCode.Created, settled.StatusCode);
            Assert.Equal(bodies[0], await settled.Content.ReadAsStringAsync(Cancel));
        }
        finally
        {
            foreach (var response in responses)
            {
                response.Dispose();
            }

            clients.ForEach(client => client.Dispose());
        }
    }

    [Fact]
    public async Task A_refused_first_request_is_the_keys_outcome_too()
    {
        using var client = app.Admin();
        var key = NewKey();
        var invalid = ProductsApp.ValidBody(price: -1m);

        using var first = await PostAsync(client, key, invalid);
        var firstProblem = await Problems.AssertAsync(first, HttpStatusCode.BadRequest);
        using var retry = await PostAsync(client, key, invalid);

        Assert.Equal(HttpStatusCode.BadRequest, retry.StatusCode);
        Assert.Equal(await first.Content.ReadAsStringAsync(Cancel), await retry.Content.ReadAsStringAsync(Cancel));
        Assert.Equal(firstProblem["correlationId"]!.GetValue<string>(), JsonNode.Parse(await retry.Content.ReadAsStringAsync(Cancel))!["correlationId"]!.GetValue<string>());
    }

    [Fact]
    public async Task The_record_expires_with_dynamodb_ttl_after_24_hours()
    {
        using var client = app.Admin();
        var key = NewKey();
        var sent = DateTimeOffset.UtcNow;

        using var response = await PostAsync(client, key, ProductsApp.ValidBody());

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var record = (await TestTables.GetItemAsync(app.IdempotencyTable, "key", $"products#admin-sub#{key}"))!;
        var expiresAt = DateTimeOffset.FromUnixTimeSeconds(long.Parse(record["expiresAt"].N, System.Globalization.CultureInfo.InvariantCulture));
        Assert.InRange(expiresAt, sent.AddHours(24).AddSeconds(-2), DateTimeOffset.UtcNow.AddHours(24).AddSeconds(2));
        Assert.Equal("201", record["status"].N);
    }

    [Theory]
    [MemberData(nameof(HostileKeys))]
    public async Task A_malformed_key_is_a_400_problem_and_nothing_is_stored(string key)
    {
        using var client = app.Admin();
        var before = await TestTables.SnapshotAsync(app.Table);
        var records = await TestTables.SnapshotAsync(app.IdempotencyTable);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/products") { Content = JsonContent.Create(ProductsApp.ValidBody()) };
        Assert.True(request.Headers.TryAddWithoutValidation("Idempotency-Key", key));

        using var response = await client.SendAsync(request, Cancel);

        var problem = await Problems.AssertAsync(response, HttpStatusCode.BadRequest);
        Assert.Contains("Idempotency-Key", problem["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(before, await TestTables.SnapshotAsync(app.Table));
        Assert.Equal(records, await TestTables.SnapshotAsync(app.IdempotencyTable));
    }

    [Fact]
    public async Task Two_idempotency_key_headers_are_a_400_problem()
    {
        using var client = app.Admin();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/products") { Content = JsonContent.Create(ProductsApp.ValidBody()) };
        request.Headers.TryAddWithoutValidation("Idempotency-Key", ["\"a\"", "\"b\""]);

        using var response = await client.SendAsync(request, Cancel);

        await Problems.AssertAsync(response, HttpStatusCode.BadRequest);
    }

    [Theory]
    [InlineData("\"8e03978e-40d5-43e8-bc93-6894a57f9324\"")]
    [InlineData("8e03978e-40d5-43e8-bc93-6894a57f9324")]
    [InlineData("\"a key with spaces, commas; and (parentheses)\"")]
    public async Task A_well_formed_key_quoted_or_bare_is_honoured(string key)
    {
        using var client = app.ClientWithToken(TestIssuer.Token($"admin-{Guid.NewGuid():N}", ["admin"]));

        using var first = await SendWithHeaderAsync(client, key);
        using var retry = await SendWithHeaderAsync(client, key);

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(first.Headers.Location, retry.Headers.Location);
        Assert.Equal("true", retry.Headers.GetValues("Idempotent-Replayed").Single());
    }

    [Fact]
    public async Task The_longest_key_255_characters_is_accepted()
    {
        using var client = app.Admin();

        using var response = await SendWithHeaderAsync(client, $"\"{new string('k', 250)}{Guid.NewGuid():N}"[..256] + "\"");

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    /// <summary>Generated: every ASCII control character, non-ASCII, lengths around the limit, broken quoting, lists and escapes.</summary>
    public static TheoryData<string> HostileKeys()
    {
        var keys = new TheoryData<string> { " ", "\"\"", "\"", "\"abc", "abc\"", "\"a\", \"b\"", "\"a\\\"b\"", "\"a\\\\b\"", "a b", "a,b", "(abc)", "\"é\"", "ключ", "\"😀\"", "\"" + new string('k', 256) + "\"", new string('k', 256), "\"a\";param=1" };
        foreach (var control in Enumerable.Range(0, 32).Append(127).Where(c => c is not 9 and not 32))
        {
            keys.Add($"\"key{(char)control}x\"");
        }

        return keys;
    }

    private static string NewKey() => Guid.NewGuid().ToString();

    private static Task<HttpResponseMessage> PostAsync(HttpClient client, string key, JsonObject body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/products") { Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json") };
        request.Headers.TryAddWithoutValidation("Idempotency-Key", $"\"{key}\"");
        return client.SendAsync(request, Cancel);
    }

    private static Task<HttpResponseMessage> SendWithHeaderAsync(HttpClient client, string header)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/products") { Content = new StringContent(ProductsApp.ValidBody().ToJsonString(), Encoding.UTF8, "application/json") };
        request.Headers.TryAddWithoutValidation("Idempotency-Key", header);
        return client.SendAsync(request, Cancel);
    }
}

/// <summary>Keys that live two seconds, so that a test sees one expire.</summary>
public sealed class ShortLivedKeysApp : ProductsApp
{
    protected override IEnumerable<KeyValuePair<string, string?>> ServiceSettings(IReadOnlyDictionary<string, string> tables) =>
        [.. base.ServiceSettings(tables), new("Idempotency:Lifetime", "00:00:02")];
}

public sealed class IdempotencyKeyExpiryTests(ShortLivedKeysApp app) : IClassFixture<ShortLivedKeysApp>
{
    [Fact]
    public async Task An_expired_key_is_a_new_request_even_before_dynamodb_ttl_deletes_its_record()
    {
        var cancel = TestContext.Current.CancellationToken;
        using var client = app.Admin();
        var key = Guid.NewGuid().ToString();
        using var first = await PostAsync(client, key, cancel);
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);

        await Task.Delay(TimeSpan.FromSeconds(3.2), cancel); // the TTL attribute has whole seconds

        using var afterExpiry = await PostAsync(client, key, cancel);
        Assert.Equal(HttpStatusCode.Created, afterExpiry.StatusCode);
        Assert.False(afterExpiry.Headers.Contains("Idempotent-Replayed"));
        Assert.NotEqual(first.Headers.Location, afterExpiry.Headers.Location);
        Assert.Equal(2, (await TestTables.SnapshotAsync(app.Table)).Count);
    }

    private static Task<HttpResponseMessage> PostAsync(HttpClient client, string key, CancellationToken cancel)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/products") { Content = JsonContent.Create(ProductsApp.ValidBody()) };
        request.Headers.TryAddWithoutValidation("Idempotency-Key", $"\"{key}\"");
        return client.SendAsync(request, cancel);
    }
}
