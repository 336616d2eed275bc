using System.Net;
using System.Security.Claims;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace Samples.Chat.Tests;

/// <summary>
/// The event endpoints and the authorizer with API Gateway-shaped inputs: what the Lambda hosting library
/// and the REQUEST authorizer receive.
/// </summary>
public sealed class ChatEventTests(ChatApp app) : IClassFixture<ChatApp>
{
    /// <summary>A REQUEST authorizer event for $connect, as API Gateway sends it.</summary>
    private static JsonObject AuthorizerEvent(string? token) => JsonNode.Parse($$"""
        {
          "type": "REQUEST",
          "methodArn": "arn:aws:execute-api:us-east-1:123456789012:abcdef1234/v1/$connect",
          "headers": { "Host": "abcdef1234.execute-api.us-east-1.amazonaws.com", "Sec-WebSocket-Version": "13" },
          "queryStringParameters": {{(token is null ? "{ \"room\": \"lobby\" }" : $"{{ \"token\": \"{token}\", \"room\": \"lobby\" }}")}},
          "requestContext": { "routeKey": "$connect", "eventType": "CONNECT", "connectionId": "Jx0aKd1YIAMCJqQ=", "stage": "v1" }
        }
        """)!.AsObject();

    private static async Task<AuthorizerResult> AuthorizeAsync(ChatApp app, JsonObject authorizerEvent)
    {
        var authorizer = app.Authorizer;
        var query = authorizerEvent["queryStringParameters"]!.AsObject().ToDictionary(pair => pair.Key, pair => pair.Value!.GetValue<string>());
        return await authorizer.AuthorizeAsync(query, authorizerEvent["methodArn"]!.GetValue<string>(), TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task The_authorizer_allows_a_valid_token_on_the_method_and_passes_the_user_on()
    {
        var result = await AuthorizeAsync(app, AuthorizerEvent(TestIssuer.Token("ada-sub")));

        Assert.True(result.IsAllowed);
        Assert.Equal("ada-sub", result.PrincipalId);
        Assert.Equal("arn:aws:execute-api:us-east-1:123456789012:abcdef1234/v1/$connect", result.Resource);
        Assert.Equal("ada-sub", result.Context[ChatAuthorizer.UserIdKey]);
        Assert.Equal("ada-sub", result.Context[ChatAuthorizer.DisplayNameKey]); // e-mail local part of ada-sub@example.com
    }

    /// <summary>
    /// ID tokens shaped like an e-mail sign-in pool's: <c>sub</c> and <c>cognito:username</c> are the same UUID, the
    /// e-mail is the sign-in name, and <c>name</c>/<c>preferred_username</c> are there only if the user set them.
    /// </summary>
    [Theory]
    [InlineData("Ada Lovelace", "ada_l", "ada.lovelace@example.com", "Ada Lovelace")]
    [InlineData(null, "ada_l", "ada.lovelace@example.com", "ada_l")]
    [InlineData(null, null, "ada.lovelace@example.com", "ada.lovelace")]
    [InlineData("   ", "\u0007bell", "grace@example.com", "grace")]
    [InlineData(" Grace ", null, "grace@example.com", "Grace")]
    public async Task The_authorizer_names_a_member_by_name_then_preferred_username_then_the_email_local_part(
        string? name, string? preferredUsername, string email, string expected)
    {
        const string sub = "37ac8be9-7e39-4f0e-9a57-0d5e8f1a2b3c";
        var profile = new Dictionary<string, object> { ["cognito:username"] = sub, ["email_verified"] = true };
        if (name is not null)
        {
            profile["name"] = name;
        }

        if (preferredUsername is not null)
        {
            profile["preferred_username"] = System.Text.RegularExpressions.Regex.Unescape(preferredUsername);
        }

        var result = await AuthorizeAsync(app, AuthorizerEvent(TestIssuer.Token(sub, email: email, profile: profile)));

        Assert.True(result.IsAllowed);
        Assert.Equal(sub, result.Context[ChatAuthorizer.UserIdKey]);
        Assert.Equal(expected, result.Context[ChatAuthorizer.DisplayNameKey]);
    }

    [Fact]
    public async Task The_authorizer_never_shows_the_cognito_username_uuid_even_when_the_token_has_no_profile_claims()
    {
        const string sub = "37ac8be9-7e39-4f0e-9a57-0d5e8f1a2b3c";
        var token = TestIssuer.Token(sub, email: "", profile: new Dictionary<string, object> { ["cognito:username"] = sub, ["preferred_username"] = "\u0000" });

        var result = await AuthorizeAsync(app, AuthorizerEvent(token));

        Assert.True(result.IsAllowed);
        Assert.DoesNotContain(sub, result.Context[ChatAuthorizer.DisplayNameKey], StringComparison.Ordinal);
        Assert.Equal("member-37ac8be9", result.Context[ChatAuthorizer.DisplayNameKey]);
    }

    [Fact]
    public async Task A_long_name_is_cut_at_100_characters_and_never_inside_a_surrogate_pair()
    {
        var name = new string('a', 99) + "😀tail";

        var result = await AuthorizeAsync(app, AuthorizerEvent(TestIssuer.Token("ada", profile: new Dictionary<string, object> { ["name"] = name })));

        Assert.Equal(new string('a', 99), result.Context[ChatAuthorizer.DisplayNameKey]);
    }

    [Theory]
    [InlineData("missing")]
    [InlineData("expired")]
    [InlineData("wrong issuer")]
    [InlineData("bad signature")]
    [InlineData("alg none")]
    [InlineData("garbage")]
    public async Task The_authorizer_denies_every_other_token(string why)
    {
        var token = why switch
        {
            "expired" => TestIssuer.Token("ada", expires: DateTime.UtcNow.AddMinutes(-5)),
            "wrong issuer" => TestIssuer.Token("ada", issuer: "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Other"),
            "bad signature" => TestIssuer.Token("ada", foreignKey: true),
            "alg none" => TestIssuer.UnsignedToken("ada"),
            "garbage" => "not.a.jwt",
            _ => null,
        };

        var result = await AuthorizeAsync(app, AuthorizerEvent(token));

        Assert.False(result.IsAllowed);
        Assert.Equal("Deny", result.Effect);
        Assert.Empty(result.Context);
    }

    [Fact]
    public void In_lambda_the_event_comes_from_the_connection_id_and_the_authorizer_identity_never_from_headers()
    {
        // What Amazon.Lambda.AspNetCoreServer sets from requestContext: Connection.Id and an AuthorizerIdentity
        // user built from the authorizer's context. A client's headers (on $connect) must not count.
        var context = new DefaultHttpContext();
        context.Connection.Id = "Jx0aKd1YIAMCJqQ=";
        context.User = new ClaimsPrincipal(new ClaimsIdentity(
            [new Claim(WebSocketEvent.UserIdKey, "ada-sub"), new Claim(WebSocketEvent.DisplayNameKey, "Ada")], "AuthorizerIdentity"));
        context.Request.Headers[IntegrationHeaders.ConnectionId] = "forged";
        context.Request.Headers[IntegrationHeaders.UserId] = "mallory";

        Assert.Equal(new WebSocketEvent("Jx0aKd1YIAMCJqQ=", "ada-sub", "Ada"), WebSocketEvent.FromLambda(context));

        // A bearer-token identity is not the gateway's: it carries no authorizer context.
        context.User = new ClaimsPrincipal(new ClaimsIdentity([new Claim(WebSocketEvent.UserIdKey, "mallory")], "Bearer"));
        Assert.Equal(new WebSocketEvent("Jx0aKd1YIAMCJqQ=", null, null), WebSocketEvent.FromLambda(context));

        context.Connection.Id = null!;
        Assert.Null(WebSocketEvent.FromLambda(context));
    }

    [Fact]
    public void The_app_reads_the_authorizer_context_under_the_keys_the_authorizer_sets()
    {
        Assert.Equal(ChatAuthorizer.UserIdKey, WebSocketEvent.UserIdKey);
        Assert.Equal(ChatAuthorizer.DisplayNameKey, WebSocketEvent.DisplayNameKey);
    }

    [Theory]
    [InlineData("/$connect?room=lobby")]
    [InlineData("/$disconnect")]
    [InlineData("/sendMessage")]
    [InlineData("/joinRoom")]
    [InlineData("/$default")]
    public async Task Event_routes_refuse_requests_that_did_not_come_from_the_gateway(string path)
    {
        using var client = app.CreateClient();
        var before = await TestTables.SnapshotAsync(app.Table);
        using var request = new HttpRequestMessage(HttpMethod.Post, path)
        {
            Content = new StringContent("""{"action":"sendMessage","text":"forged"}""", Encoding.UTF8, "application/json"),
        };
        // Everything an integration sends, with a key that is not the gateway's.
        request.Headers.Add(IntegrationHeaders.ConnectionId, "forged-connection");
        request.Headers.Add(IntegrationHeaders.UserId, "mallory");
        request.Headers.Add(IntegrationHeaders.Key, WebSocketGateway.NewIntegrationKey());

        using var response = await client.SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal(before, await TestTables.SnapshotAsync(app.Table));
    }

    [Fact]
    public async Task The_gateways_connections_endpoints_refuse_callers_without_the_integration_key()
    {
        using var client = new HttpClient { BaseAddress = app.Gateway.Url };
        client.DefaultRequestHeaders.Add(IntegrationHeaders.Key, WebSocketGateway.NewIntegrationKey());

        using var post = await client.PostAsync("/@connections/anything", new StringContent("{}"), TestContext.Current.CancellationToken);
        using var get = await client.GetAsync("/@connections/anything", TestContext.Current.CancellationToken);
        using var delete = await client.DeleteAsync("/@connections/anything", TestContext.Current.CancellationToken);

        Assert.All(new[] { post, get, delete }, response => Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode));
    }
}
