using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using YamlDotNet.RepresentationModel;

namespace Samples.Users.Tests;

/// <summary>
/// The REST API validates bodies with the JSON-schema models in infra/template.yaml before the function
/// runs. One corpus goes through both the models (Python's jsonschema, draft 4 like API Gateway) and the
/// app: they must accept and refuse exactly the same bodies.
/// </summary>
public sealed class SchemaParityTests(UsersApp app) : IClassFixture<UsersApp>
{
    private static readonly string Long100 = new('a', 100);
    private static readonly string Emoji100 = string.Concat(Enumerable.Repeat("😀", 100)); // 100 code points, 200 UTF-16 units

    /// <summary>Bodies valid for both routes (POST's extra userId aside), with the expected answer.</summary>
    public static TheoryData<string, bool> Corpus => new()
    {
        { """{"displayName":"Ada"}""", true },
        { """{"displayName":"A"}""", true },
        { $$"""{"displayName":"{{Long100}}"}""", true },
        { $$"""{"displayName":"{{Long100}}b"}""", false },
        { $$"""{"displayName":"{{Emoji100}}"}""", true },
        { """{"displayName":""}""", false },
        { """{"displayName":"   "}""", false },
        { """{"displayName":" Ada "}""", true },
        { """{}""", false },
        { """{"displayName":null}""", false },
        { """{"displayName":42}""", false },
        { """{"displayName":["Ada"]}""", false },
        { """{"displayName":"Ada","bio":null,"avatarUrl":null}""", true },
        { $$"""{"displayName":"Ada","bio":"{{new string('b', 500)}}"}""", true },
        { $$"""{"displayName":"Ada","bio":"{{new string('b', 501)}}"}""", false },
        { """{"displayName":"Ada","bio":7}""", false },
        { """{"displayName":"Ada","avatarUrl":"https://example.com/a.png"}""", true },
        { """{"displayName":"Ada","avatarUrl":"https://cdn.example.com:8443/u/ada?size=64#x"}""", true },
        { """{"displayName":"Ada","avatarUrl":"http://example.com/a.png"}""", false },
        { """{"displayName":"Ada","avatarUrl":"https://"}""", false },
        { """{"displayName":"Ada","avatarUrl":"/relative/a.png"}""", false },
        { """{"displayName":"Ada","avatarUrl":"https://exa mple.com/a.png"}""", false },
        { """{"displayName":"Ada","avatarUrl":"javascript:alert(1)"}""", false },
        { $$"""{"displayName":"Ada","avatarUrl":"https://example.com/{{new string('p', 2028)}}"}""", true },
        { $$"""{"displayName":"Ada","avatarUrl":"https://example.com/{{new string('p', 2029)}}"}""", false },
        { """{"displayName":"Ada","email":"x@example.com"}""", false },
        { """{"displayName":"Ada","version":2}""", false },
        { """{"displayName":"Ada","extra":true}""", false },
        { """[{"displayName":"Ada"}]""", false },
        { "\"Ada\"", false },
    };

    public static TheoryData<string, bool> CreateOnlyCorpus => new()
    {
        { """{"displayName":"Ada","userId":"3f1c2a9e-7b7d-4c1e-9a57-0d5e8f1a2b3c"}""", true },
        { """{"displayName":"Ada","userId":null}""", true },
        { """{"displayName":"Ada","userId":""}""", false },
        { """{"displayName":"Ada","userId":"has space"}""", false },
        { $$"""{"displayName":"Ada","userId":"{{new string('u', 129)}}"}""", false },
        { """{"displayName":"Ada","userId":12}""", false },
    };

    [Theory]
    [MemberData(nameof(Corpus))]
    [MemberData(nameof(CreateOnlyCorpus))]
    public async Task Create_bodies_get_the_same_verdict_from_the_gateway_model_and_the_app(string body, bool valid)
    {
        var gateway = await GatewayAcceptsAsync("UserCreate", body);
        using var admin = app.As(UsersApp.NewSub("admin"), admin: true);

        using var response = await admin.PostAsync("/users", new StringContent(body, Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);

        Assert.Equal(valid, gateway);
        Assert.Equal(valid ? HttpStatusCode.Created : HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Theory]
    [MemberData(nameof(Corpus))]
    public async Task Replace_bodies_get_the_same_verdict_from_the_gateway_model_and_the_app(string body, bool valid)
    {
        var sub = UsersApp.NewSub("ada");
        await app.CreateOwnProfileAsync(sub);
        var gateway = await GatewayAcceptsAsync("UserReplace", body);
        using var client = app.As(sub);
        using var request = new HttpRequestMessage(HttpMethod.Put, "/users/me") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.TryAddWithoutValidation("If-Match", "\"1\"");

        using var response = await client.SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(valid, gateway);
        Assert.Equal(valid ? HttpStatusCode.OK : HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task A_userId_is_refused_in_replace_bodies_by_both()
    {
        const string body = """{"displayName":"Ada","userId":"3f1c2a9e"}""";

        Assert.False(await GatewayAcceptsAsync("UserReplace", body));
        var sub = UsersApp.NewSub("ada");
        await app.CreateOwnProfileAsync(sub);
        using var client = app.As(sub);
        using var response = await client.SendAsync(Requests.Put("/users/me", JsonNode.Parse(body)!.AsObject(), "\"1\""), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    /// <summary>Validates with jsonschema's Draft4Validator, the dialect API Gateway models use.</summary>
    private static async Task<bool> GatewayAcceptsAsync(string model, string body)
    {
        const string script = """
            import json, sys
            from jsonschema import Draft4Validator
            schema, body = json.load(sys.stdin)
            print("valid" if Draft4Validator(schema).is_valid(json.loads(body)) else "invalid")
            """;
        var input = new JsonArray(ModelSchema(model), body).ToJsonString();
        var start = new ProcessStartInfo("python3", ["-c", script]) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start)!;
        await process.StandardInput.WriteAsync(input);
        process.StandardInput.Close();
        var output = (await process.StandardOutput.ReadToEndAsync()).Trim();
        var errors = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, "python3 with jsonschema (installed with cfn-lint) is needed: " + errors);
        return output == "valid";
    }

    private static JsonNode ModelSchema(string model)
    {
        var api = SamTemplate.Load().Resource("UsersApi").Properties;
        return ToJson(((YamlMappingNode)api["Models"])[model])!;
    }

    /// <summary>YAML to JSON with YAML's own typing: plain scalars may be numbers, booleans or null.</summary>
    private static JsonNode? ToJson(YamlNode node) => node switch
    {
        YamlMappingNode map => new JsonObject(map.Children.Select(pair =>
            KeyValuePair.Create(((YamlScalarNode)pair.Key).Value!, ToJson(pair.Value)))),
        YamlSequenceNode list => new JsonArray([.. list.Children.Select(ToJson)]),
        YamlScalarNode { Style: YamlDotNet.Core.ScalarStyle.Plain } scalar => scalar.Value switch
        {
            "true" => JsonValue.Create(true),
            "false" => JsonValue.Create(false),
            "null" or "~" => null,
            var text when long.TryParse(text, out var number) => JsonValue.Create(number),
            var text => JsonValue.Create(text),
        },
        YamlScalarNode scalar => JsonValue.Create(scalar.Value),
        _ => throw new InvalidOperationException("Unexpected YAML node."),
    };
}
