using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;

namespace Samples.LocalDev;

/// <summary>
/// `make demo`: walks every route as a real client would, against the real local stack, and checks
/// each answer. Exits non-zero when any step does not behave as documented.
/// </summary>
public sealed class Demo(LocalStack stack, TextWriter output)
{
    private int failures;

    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        using var cognito = new CognitoLocal(new HttpClient());
        var admin = LocalStack.Users.Single(user => user.IsAdmin);
        var member = LocalStack.Users.First(user => !user.IsAdmin);
        var adminToken = await cognito.SignInAsync(stack.Identity.ClientId, admin.Email, admin.Password, cancellationToken);
        var memberToken = await cognito.SignInAsync(stack.Identity.ClientId, member.Email, member.Password, cancellationToken);
        output.WriteLine($"Signed in {admin.Email} (admin) and {member.Email} with USER_PASSWORD_AUTH.");

        await ProductsAsync(adminToken, memberToken, cancellationToken);
        //#if (IncludeUsers)
        await UsersAsync(adminToken, memberToken, cancellationToken);
        //#endif
        //#if (IncludeChat)
        await ChatAsync(adminToken, memberToken, cancellationToken);
        //#endif

        output.WriteLine(failures == 0 ? "\nDemo passed: every step behaved as expected." : $"\nDemo FAILED: {failures} step(s) misbehaved.");
        return failures == 0 ? 0 : 1;
    }

    private async Task ProductsAsync(string adminToken, string memberToken, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { BaseAddress = new Uri(LocalStack.Services.Single(s => s.Name == "products").Url) };
        var body = new JsonObject
        {
            ["name"] = "Espresso cup",
            ["description"] = "Porcelain, 80 ml.",
            ["price"] = 12.50m,
            ["currency"] = "EUR",
            ["tags"] = new JsonArray("kitchen", "coffee"),
        };

        output.WriteLine("\nProducts (HTTP API) at " + http.BaseAddress);
        await Step("list products, anonymously", http, HttpMethod.Get, "/products", null, null, HttpStatusCode.OK, cancellationToken);
        await Step("create without a token", http, HttpMethod.Post, "/products", null, body, HttpStatusCode.Unauthorized, cancellationToken);
        await Step("create as a non-admin", http, HttpMethod.Post, "/products", memberToken, body, HttpStatusCode.Forbidden, cancellationToken);
        await Step("create with an invalid body", http, HttpMethod.Post, "/products", adminToken,
            new JsonObject { ["name"] = "", ["price"] = -1, ["currency"] = "euro" }, HttpStatusCode.BadRequest, cancellationToken);

        // Hostile bodies: each is a 400/413 problem naming the field, and changes nothing. They also catch a trimmed
        // or AOT-compiled binary that lost JSON metadata (`make test-aot` runs this demo on Native AOT builds).
        await Send("create with malformed JSON", http, HttpMethod.Post, "/products", adminToken, """{"name":"Cup",""", HttpStatusCode.BadRequest, cancellationToken);
        await Send("create with an unknown field", http, HttpMethod.Post, "/products", adminToken,
            """{"name":"Cup","price":1,"currency":"EUR","isAdmin":true}""", HttpStatusCode.BadRequest, cancellationToken);
        await Send("create with an over-precise price", http, HttpMethod.Post, "/products", adminToken,
            """{"name":"Cup","price":1.0000000000000000000000000001,"currency":"EUR"}""", HttpStatusCode.BadRequest, cancellationToken);
        await Send("create with a name ending in a newline", http, HttpMethod.Post, "/products", adminToken,
            """{"name":"Cup\n","price":1,"currency":"EUR"}""", HttpStatusCode.BadRequest, cancellationToken);
        await Send("create with a 100 KB body", http, HttpMethod.Post, "/products", adminToken,
            $$"""{"name":"Cup","price":1,"currency":"EUR","description":"{{new string('x', 100_000)}}"}""", HttpStatusCode.RequestEntityTooLarge, cancellationToken);
        await Step("list with a forged page token", http, HttpMethod.Get, "/products?nextToken=eyJpZCI6eyJTIjoieCJ9fQ", null, null, HttpStatusCode.BadRequest, cancellationToken);

        var created = await Step("create as admin", http, HttpMethod.Post, "/products", adminToken, body, HttpStatusCode.Created, cancellationToken);
        Check("the created product reads back as sent", created.StatusCode == HttpStatusCode.Created && await IsProductAsync(created, body, cancellationToken), "name, price, currency, tags, version", "JSON");
        var location = created.Headers.Location?.ToString() ?? "/products/missing";
        var etag = created.Headers.ETag?.ToString();
        output.WriteLine($"      Location: {location}, ETag: {etag}");

        await Step("read it back, anonymously", http, HttpMethod.Get, location, null, null, HttpStatusCode.OK, cancellationToken);
        await Step("read a product that does not exist", http, HttpMethod.Get, "/products/" + Guid.CreateVersion7().ToString("N"), null, null, HttpStatusCode.NotFound, cancellationToken);
        await Step("replace without If-Match", http, HttpMethod.Put, location, adminToken, body, HttpStatusCode.PreconditionRequired, cancellationToken);
        var replaced = await Step("replace with its ETag", http, HttpMethod.Put, location, adminToken, body, HttpStatusCode.OK, cancellationToken, etag);
        await Step("replace again with the stale ETag", http, HttpMethod.Put, location, adminToken, body, HttpStatusCode.PreconditionFailed, cancellationToken, etag);
        await Step("list one page of one", http, HttpMethod.Get, "/products?limit=1", null, null, HttpStatusCode.OK, cancellationToken);
        await Step("delete with the stale ETag", http, HttpMethod.Delete, location, adminToken, null, HttpStatusCode.PreconditionFailed, cancellationToken, etag);
        await Step("delete with the current ETag", http, HttpMethod.Delete, location, adminToken, null, HttpStatusCode.NoContent, cancellationToken, replaced.Headers.ETag?.ToString());
        await Step("read the deleted product", http, HttpMethod.Get, location, null, null, HttpStatusCode.NotFound, cancellationToken);
    }

    //#if (IncludeUsers)
    private async Task UsersAsync(string adminToken, string memberToken, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { BaseAddress = new Uri(LocalStack.Services.Single(s => s.Name == "users").Url) };
        var memberId = Subject(memberToken);
        var adminId = Subject(adminToken);
        var profile = new JsonObject { ["displayName"] = "Uma", ["bio"] = "Reads everything.", ["avatarUrl"] = "https://example.com/uma.png" };

        output.WriteLine("\nUsers (REST API) at " + http.BaseAddress);
        await Step("read my profile without a token", http, HttpMethod.Get, "/users/me", null, null, HttpStatusCode.Unauthorized, cancellationToken);
        await Step("read my profile before creating it", http, HttpMethod.Get, "/users/me", memberToken, null, HttpStatusCode.NotFound, cancellationToken);
        await Step("create my profile", http, HttpMethod.Post, "/users", memberToken, profile, HttpStatusCode.Created, cancellationToken);
        await Step("create it again", http, HttpMethod.Post, "/users", memberToken, profile, HttpStatusCode.Conflict, cancellationToken);
        var read = await Step("read my profile", http, HttpMethod.Get, "/users/me", memberToken, null, HttpStatusCode.OK, cancellationToken);
        var etag = read.Headers.ETag?.ToString();
        await Step("replace it without If-Match", http, HttpMethod.Put, "/users/me", memberToken, profile, HttpStatusCode.PreconditionRequired, cancellationToken);
        var replaced = await Step("replace it with its ETag", http, HttpMethod.Put, "/users/me", memberToken, profile, HttpStatusCode.OK, cancellationToken, etag);
        await Step("replace it with the stale ETag", http, HttpMethod.Put, "/users/me", memberToken, profile, HttpStatusCode.PreconditionFailed, cancellationToken, etag);
        await Step("read someone else's profile as a member", http, HttpMethod.Get, $"/users/{adminId}", memberToken, null, HttpStatusCode.NotFound, cancellationToken);
        await Step("list profiles as a member", http, HttpMethod.Get, "/users", memberToken, null, HttpStatusCode.Forbidden, cancellationToken);
        await Step("read the member's profile as admin", http, HttpMethod.Get, $"/users/{memberId}", adminToken, null, HttpStatusCode.OK, cancellationToken);
        await Step("find a profile by e-mail as admin", http, HttpMethod.Get, "/users?email=user%40example.com", adminToken, null, HttpStatusCode.OK, cancellationToken);
        await Step("delete my profile", http, HttpMethod.Delete, "/users/me", memberToken, null, HttpStatusCode.NoContent, cancellationToken, replaced.Headers.ETag?.ToString());
        await Step("read it after deleting", http, HttpMethod.Get, "/users/me", memberToken, null, HttpStatusCode.NotFound, cancellationToken);
    }

    //#endif
    //#if (IncludeChat)
    private async Task ChatAsync(string adminToken, string memberToken, CancellationToken cancellationToken)
    {
        var gateway = LocalStack.WebSocketGatewayUrl;
        var wait = TimeSpan.FromSeconds(5);
        output.WriteLine("\nChat (WebSocket API) at " + gateway);

        try
        {
            await using var refused = await ChatSocketClient.ConnectAsync(gateway, "not-a-token", "demo", cancellationToken);
            Check("connect with a bad token", false, "the handshake was accepted");
        }
        catch (System.Net.WebSockets.WebSocketException)
        {
            Check("connect with a bad token", true, "refused");
        }

        await using var ada = await ChatSocketClient.ConnectAsync(gateway, adminToken, "demo", cancellationToken);
        await using var uma = await ChatSocketClient.ConnectAsync(gateway, memberToken, "demo", cancellationToken);
        await using var other = await ChatSocketClient.ConnectAsync(gateway, adminToken, "elsewhere", cancellationToken);
        Check("two clients join room 'demo', a third joins 'elsewhere'", true, "connected");
        var arrival = await ada.ReceiveAsync(wait, cancellationToken);
        Check("Ada is told that Uma joined", arrival?["type"]?.GetValue<string>() == "presence" && arrival["event"]?.GetValue<string>() == "joined", "presence");

        await ada.SendMessageAsync("Hello Uma!", cancellationToken);
        Check("Ada says hello: Uma receives it", (await uma.ReceiveAsync(wait, cancellationToken, skipping: "presence"))?["text"]?.GetValue<string>() == "Hello Uma!", "");
        Check("Ada sees her own message", (await ada.ReceiveAsync(wait, cancellationToken, skipping: "presence"))?["text"]?.GetValue<string>() == "Hello Uma!", "");
        await uma.SendMessageAsync("Hi Ada!", cancellationToken);
        Check("Uma answers: Ada receives it", (await ada.ReceiveAsync(wait, cancellationToken, skipping: "presence"))?["text"]?.GetValue<string>() == "Hi Ada!", "");
        Check("Uma sees her own answer", (await uma.ReceiveAsync(wait, cancellationToken, skipping: "presence"))?["text"]?.GetValue<string>() == "Hi Ada!", "");
        await uma.SendAsync("""{"action":"history"}""", cancellationToken);
        var history = await uma.ReceiveAsync(wait, cancellationToken, skipping: "presence");
        Check("Uma asks for the room's history: both messages, oldest first",
            history?["messages"]?.AsArray().Select(message => message?["text"]?.GetValue<string>()).TakeLast(2).SequenceEqual(["Hello Uma!", "Hi Ada!"]) == true, "history");
        Check("the client in 'elsewhere' received nothing", await other.ReceiveAsync(TimeSpan.FromMilliseconds(500), cancellationToken, skipping: "presence") is null, "");
        await ada.SendAsync("""{"action":"dance"}""", cancellationToken);
        Check("an unknown action gets an error frame", (await ada.ReceiveAsync(wait, cancellationToken, skipping: "presence"))?["code"]?.GetValue<string>() == "unknown_action", "");
    }
    //#endif

    private void Check(string title, bool ok, string detail, string kind = "WS")
    {
        failures += ok ? 0 : 1;
        output.WriteLine($"  {(ok ? "ok  " : "FAIL")} {kind,-6} {detail,-48} {"",3} {title}");
    }

    //#if (IncludeUsers)
    /// <summary>The token's sub, read from its payload (the service validates it; the demo only needs the id).</summary>
    private static string Subject(string token)
    {
        var payload = token.Split('.')[1];
        var json = System.Text.Encoding.UTF8.GetString(System.Buffers.Text.Base64Url.DecodeFromChars(payload));
        return JsonNode.Parse(json)!["sub"]!.GetValue<string>();
    }
    //#endif

    private static async Task<bool> IsProductAsync(HttpResponseMessage response, JsonObject sent, CancellationToken cancellationToken)
    {
        var product = JsonNode.Parse(await response.Content.ReadAsStringAsync(cancellationToken))!.AsObject();
        return product["name"]?.GetValue<string>() == sent["name"]!.GetValue<string>()
            && product["price"]?.GetValue<decimal>() == sent["price"]!.GetValue<decimal>()
            && product["currency"]?.GetValue<string>() == sent["currency"]!.GetValue<string>()
            && product["tags"]?.ToJsonString() == sent["tags"]!.ToJsonString()
            && product["version"]?.GetValue<long>() == 1
            && product["id"]?.GetValue<string>() is { Length: > 0 };
    }

    private Task<HttpResponseMessage> Step(
        string title, HttpClient http, HttpMethod method, string path, string? token, JsonObject? body,
        HttpStatusCode expected, CancellationToken cancellationToken, string? ifMatch = null) =>
        Send(title, http, method, path, token, body?.ToJsonString(), expected, cancellationToken, ifMatch);

    /// <summary>
    /// Sends one request and checks the status; an error must also be an RFC 7807 problem with that status and
    /// a correlation id, and a success with a body must be JSON.
    /// </summary>
    private async Task<HttpResponseMessage> Send(
        string title, HttpClient http, HttpMethod method, string path, string? token, string? body,
        HttpStatusCode expected, CancellationToken cancellationToken, string? ifMatch = null)
    {
        using var request = new HttpRequestMessage(method, path)
        {
            Content = body is null ? null : new StringContent(body, System.Text.Encoding.UTF8, "application/json"),
        };
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        if (ifMatch is not null)
        {
            request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        }

        var response = await http.SendAsync(request, cancellationToken);
        await response.Content.LoadIntoBufferAsync(cancellationToken);
        var ok = response.StatusCode == expected && await HasExpectedBodyAsync(response, cancellationToken);
        failures += ok ? 0 : 1;
        output.WriteLine($"  {(ok ? "ok  " : "FAIL")} {method.Method,-6} {path,-48} {(int)response.StatusCode} {(ok ? "" : $"(expected {(int)expected})")} {title}");
        if (!ok)
        {
            output.WriteLine("       " + await response.Content.ReadAsStringAsync(cancellationToken));
        }

        return response;
    }

    private static async Task<bool> HasExpectedBodyAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        var mediaType = response.Content.Headers.ContentType?.MediaType;
        if ((int)response.StatusCode >= 400)
        {
            return mediaType == "application/problem+json"
                && JsonNode.Parse(text) is JsonObject problem
                && problem["status"]?.GetValue<int>() == (int)response.StatusCode
                && problem["title"] is not null
                && problem["correlationId"]?.GetValue<string>() is { Length: > 0 };
        }

        return text.Length == 0 || (mediaType == "application/json" && JsonNode.Parse(text) is not null);
    }
}
