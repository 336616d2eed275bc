using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Samples.ServiceDefaults;

namespace Samples.Products.Tests;

/// <summary>infra/template.yaml and the Products app describe the same API.</summary>
public sealed class TemplateParityTests(ProductsApp app) : IClassFixture<ProductsApp>
{
    private static readonly SamTemplate Template = SamTemplate.Load();

    private IReadOnlyList<(string Method, string Path, bool Public)> AppRoutes()
    {
        var endpoints = app.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>();
        return [.. endpoints
            .Where(endpoint => endpoint.Metadata.GetMetadata<LocalOnlyEndpoint>() is null)
            .SelectMany(endpoint => endpoint.Metadata.GetMetadata<HttpMethodMetadata>()!.HttpMethods.Select(method =>
                (method, "/" + endpoint.RoutePattern.RawText!.Trim('/'), endpoint.Metadata.GetMetadata<IAllowAnonymous>() is not null)))
            .OrderBy(route => route.Item2).ThenBy(route => route.method)];
    }

    private static IReadOnlyList<(string Method, string Path, bool Public)> TemplateRoutes() =>
        [.. Template.HttpApiRoutes("ProductsFunction")
            .Select(route => (route.Method, route.Path, route.IsPublic))
            .OrderBy(route => route.Path).ThenBy(route => route.Method)];

    [Fact]
    public void The_templates_routes_equal_the_apps_endpoints_both_ways_with_the_same_public_ones() =>
        Assert.Equal(AppRoutes(), TemplateRoutes());

    [Fact]
    public void Every_write_route_keeps_the_default_jwt_authorizer()
    {
        var writes = Template.HttpApiRoutes("ProductsFunction").Where(route => route.Method != "GET").ToList();
        Assert.NotEmpty(writes);
        Assert.All(writes, route => Assert.Null(route.Authorizer));
        var auth = (YamlDotNet.RepresentationModel.YamlMappingNode)Template.Resource("ProductsApi").Properties["Auth"];
        Assert.Equal("CognitoJwt", ((YamlDotNet.RepresentationModel.YamlScalarNode)auth["DefaultAuthorizer"]).Value);
    }

    [Fact]
    public void The_tables_key_schema_is_the_one_the_repository_uses()
    {
        var request = Template.CreateTableRequest("ProductsTable", "any");

        var key = Assert.Single(request.KeySchema);
        Assert.Equal(ProductRepository.KeyAttribute, key.AttributeName);
        Assert.Equal("HASH", key.KeyType.Value);
        Assert.Equal("S", request.AttributeDefinitions.Single(a => a.AttributeName == ProductRepository.KeyAttribute).AttributeType.Value);
    }
}
