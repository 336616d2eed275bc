using System.Text.RegularExpressions;
using Samples.StandIns;
using YamlDotNet.RepresentationModel;

namespace Samples.Infrastructure.Tests;

/// <summary>
/// Each service's .http file (Visual Studio, Rider, VS Code REST Client) has a request for every route the
/// template gives its function, an error request for each status the API documents, and takes its base URL and
/// tokens from variables, so `make token` output plugs in.
/// </summary>
public sealed partial class HttpFileTests
{
    private static readonly SamTemplate Template = SamTemplate.Load();

    /// <summary>
    /// The errors every CRUD service documents: no token, not allowed, bad input, unknown id, stale or missing If-Match; and
    /// a reused Idempotency-Key (422) where the function honours the header (it is configured with Idempotency__TableName).
    /// </summary>
    private static string[] Errors(string function) =>
        Template.Resource(function).Body.AllNodes.OfType<YamlScalarNode>().Any(node => node.Value == "Idempotency__TableName")
            ? ["401", "403", "400", "404", "412", "428", "422"]
            : ["401", "403", "400", "404", "412", "428"];

    /// <summary>Every function with HTTP or REST API routes, and the folder its code is in (CodeUri, from infra/).</summary>
    public static TheoryData<string, string> Services => [..
        Template.ServiceFunctions
            .Where(function => Template.HttpApiRoutes(function.LogicalId).Count + Template.RestApiRoutes(function.LogicalId).Count > 0)
            .Select(function => (SamTemplate.Scalar(function.Properties, "CodeUri")!.TrimEnd('/'), function.LogicalId))];

    [Theory]
    [MemberData(nameof(Services))]
    public void Every_template_route_has_a_request_and_every_documented_error_has_one_too(string codeUri, string function)
    {
        var service = Path.GetFileName(codeUri);
        var file = Path.GetFullPath(Path.Combine(RepositoryLayout.Root, "infra", codeUri, service + ".http"));
        Assert.True(File.Exists(file), $"{function} has routes but {Path.GetRelativePath(RepositoryLayout.Root, file)} is missing.");
        var text = File.ReadAllText(file);
        var requests = Request().Matches(text).Select(match => (Method: match.Groups[1].Value, Path: match.Groups[2].Value)).ToList();
        var routes = Template.HttpApiRoutes(function).Concat(Template.RestApiRoutes(function)).ToList();

        Assert.NotEmpty(routes);
        foreach (var route in routes)
        {
            // /products/{id} in the template matches /products/{{create.response.body.$.id}} or a literal id.
            var pattern = new Regex("^" + Regex.Replace(Regex.Escape(route.Path), @"\\\{[^}]+}", "[^/?]+") + @"(\?.*)?$");
            Assert.True(requests.Any(request => request.Method == route.Method && pattern.IsMatch(request.Path)), $"{service}.http has no {route.Method} {route.Path}");
        }

        Assert.All(Errors(function), status => Assert.Contains($": {status}", text, StringComparison.Ordinal));
        Assert.All(requests, request => Assert.DoesNotContain("localhost", request.Path, StringComparison.Ordinal));
        Assert.Contains("@baseUrl = http://localhost:", text, StringComparison.Ordinal);
        Assert.Matches(@"Authorization: Bearer \{\{\w+\}\}", text);
        Assert.DoesNotMatch(@"Bearer ey[A-Za-z0-9_-]{10,}", text); // no real token committed
        Assert.Matches(@"POST \{\{baseUrl\}\}/\w+\r?\n(.+\r?\n)*Idempotency-Key: ""\{\{createKey\}\}""", text); // creates show the key
    }

    //#if (IncludeChat)
    [Fact]
    public void The_chat_file_connects_with_a_token_and_sends_every_action()
    {
        var text = File.ReadAllText(Path.Combine(RepositoryLayout.Root, "services", "Chat", "Chat", "Chat.http"));

        Assert.Contains("WEBSOCKET {{baseUrl}}/?token={{token}}&room=", text, StringComparison.Ordinal);
        foreach (var action in new[] { "sendMessage", "joinRoom" })
        {
            Assert.Contains($"\"action\": \"{action}\"", text, StringComparison.Ordinal);
        }

        Assert.Contains("token=not-a-token", text, StringComparison.Ordinal);
    }
    //#endif

    [GeneratedRegex(@"^(GET|POST|PUT|DELETE) \{\{baseUrl\}\}(\S*)", RegexOptions.Multiline)]
    private static partial Regex Request();
}
