using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Samples.ServiceDefaults;
using YamlDotNet.RepresentationModel;

namespace Samples.Users.Tests;

/// <summary>infra/template.yaml and the Users app describe the same REST API, protected the same way.</summary>
public sealed class TemplateParityTests(UsersApp app) : IClassFixture<UsersApp>
{
    private static readonly SamTemplate Template = SamTemplate.Load();

    [Fact]
    public void The_templates_routes_equal_the_apps_endpoints_both_ways()
    {
        var appRoutes = AppEndpoints()
            .SelectMany(endpoint => endpoint.Metadata.GetMetadata<HttpMethodMetadata>()!.HttpMethods
                .Select(method => $"{method} /{endpoint.RoutePattern.RawText!.Trim('/')}"))
            .Order();
        var templateRoutes = Template.RestApiRoutes("UsersFunction").Select(route => $"{route.Method} {route.Path}").Order();

        Assert.Equal(templateRoutes, appRoutes);
    }

    [Fact]
    public void Every_route_needs_a_signed_in_caller_in_the_app_and_the_cognito_authorizer_at_the_gateway()
    {
        Assert.All(AppEndpoints(), endpoint =>
        {
            Assert.Null(endpoint.Metadata.GetMetadata<IAllowAnonymous>());
            Assert.NotEmpty(endpoint.Metadata.GetOrderedMetadata<IAuthorizeData>());
        });
        Assert.All(Template.RestApiRoutes("UsersFunction"), route => Assert.Null(route.Authorizer));
        var auth = (YamlMappingNode)Template.Resource("UsersApi").Properties["Auth"];
        Assert.Equal("CognitoUserPool", ((YamlScalarNode)auth["DefaultAuthorizer"]).Value);
        var authorizer = (YamlMappingNode)((YamlMappingNode)auth["Authorizers"])["CognitoUserPool"];
        Assert.Equal("UserPool.Arn", ((YamlScalarNode)authorizer["UserPoolArn"]).Value);
    }

    [Fact]
    public void Models_validate_the_bodies_of_every_post_and_put()
    {
        var function = Template.Resource("UsersFunction").Properties;
        var events = ((YamlMappingNode)function["Events"]).Children.Values.Cast<YamlMappingNode>()
            .Select(e => (YamlMappingNode)e["Properties"])
            .Where(p => ((YamlScalarNode)p["Method"]).Value is "POST" or "PUT")
            .ToList();

        Assert.Equal(3, events.Count);
        Assert.All(events, route =>
        {
            var model = (YamlMappingNode)route["RequestModel"];
            Assert.Equal("true", ((YamlScalarNode)model["ValidateBody"]).Value);
            Assert.Equal("true", ((YamlScalarNode)model["Required"]).Value);
            Assert.Equal(((YamlScalarNode)route["Method"]).Value == "POST" ? "UserCreate" : "UserReplace", ((YamlScalarNode)model["Model"]).Value);
        });
    }

    [Fact]
    public void The_table_and_its_email_index_have_the_keys_the_repository_uses()
    {
        var request = Template.CreateTableRequest("UsersTable", "any");

        Assert.Equal(UserRepository.KeyAttribute, Assert.Single(request.KeySchema).AttributeName);
        var index = Assert.Single(request.GlobalSecondaryIndexes);
        Assert.Equal(UserRepository.EmailIndex, index.IndexName);
        Assert.Equal(UserRepository.EmailAttribute, Assert.Single(index.KeySchema).AttributeName);
        Assert.Equal("ALL", index.Projection.ProjectionType.Value);
    }

    [Fact]
    public void Gateway_errors_are_problem_details()
    {
        var responses = (YamlMappingNode)Template.Resource("UsersApi").Properties["GatewayResponses"];
        foreach (var type in new[] { "DEFAULT_4XX", "DEFAULT_5XX", "UNAUTHORIZED", "ACCESS_DENIED", "BAD_REQUEST_BODY", "THROTTLED" })
        {
            var response = (YamlMappingNode)responses[type];
            var headers = (YamlMappingNode)((YamlMappingNode)response["ResponseParameters"])["Headers"];
            Assert.Equal("'application/problem+json'", ((YamlScalarNode)headers["Content-Type"]).Value);
            Assert.True(headers.Children.ContainsKey("Access-Control-Allow-Origin"), type);
            var body = ((YamlScalarNode)((YamlMappingNode)response["ResponseTemplates"])["application/json"]).Value!;
            Assert.Contains("\"title\"", body, StringComparison.Ordinal);
            Assert.Contains("\"correlationId\":\"$context.requestId\"", body, StringComparison.Ordinal);
        }
    }

    private IEnumerable<RouteEndpoint> AppEndpoints() =>
        app.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(endpoint => endpoint.Metadata.GetMetadata<LocalOnlyEndpoint>() is null);
}
