using YamlDotNet.RepresentationModel;

namespace Samples.Chat.Tests;

/// <summary>The WebSocket API in infra/template.yaml routes exactly what the app handles.</summary>
public sealed class TemplateParityTests
{
    private static readonly SamTemplate Template = SamTemplate.Load();

    private static IEnumerable<TemplateResource> Of(string type) => Template.Resources.Where(resource => resource.Type == type);

    private static string? Scalar(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(key, out var value) && value is YamlScalarNode scalar ? scalar.Value : null;

    [Fact]
    public void The_api_selects_routes_by_the_frames_action()
    {
        var api = Template.Resource("ChatApi").Properties;
        Assert.Equal("WEBSOCKET", Scalar(api, "ProtocolType"));
        Assert.Equal("$request.body.action", Scalar(api, "RouteSelectionExpression"));
    }

    [Fact]
    public void Template_routes_equal_the_apps_event_endpoints_and_actions()
    {
        var routeKeys = Of("AWS::ApiGatewayV2::Route").Select(route => Scalar(route.Properties, "RouteKey")).Order();
        var appRoutes = new[] { ChatEvents.Connect, ChatEvents.Disconnect, ChatEvents.Default, ChatEvents.SendMessage, ChatEvents.JoinRoom, ChatEvents.History, ChatEvents.Members }
            .Select(path => path.TrimStart('/')).Order();

        Assert.Equal(appRoutes, routeKeys);
        Assert.Equal(ChatEvents.Actions.Order(), routeKeys.Where(key => !key!.StartsWith('$')).Order());
    }

    [Fact]
    public void Only_connect_is_authorized_by_the_request_authorizer_on_the_token_query_string()
    {
        foreach (var route in Of("AWS::ApiGatewayV2::Route"))
        {
            var isConnect = Scalar(route.Properties, "RouteKey") == "$connect";
            Assert.Equal(isConnect ? "CUSTOM" : "NONE", Scalar(route.Properties, "AuthorizationType"));
        }

        var authorizer = Assert.Single(Of("AWS::ApiGatewayV2::Authorizer")).Properties;
        Assert.Equal("REQUEST", Scalar(authorizer, "AuthorizerType"));
        Assert.Equal(["route.request.querystring.token"], ((YamlSequenceNode)authorizer["IdentitySource"]).Children.Select(node => ((YamlScalarNode)node).Value));
        Assert.Contains("${ChatAuthorizerFunction.Alias}", Scalar(authorizer, "AuthorizerUri"), StringComparison.Ordinal);
    }

    [Fact]
    public void Every_route_targets_the_one_proxy_integration_to_the_functions_alias()
    {
        var integration = Assert.Single(Of("AWS::ApiGatewayV2::Integration"));
        Assert.Equal("AWS_PROXY", Scalar(integration.Properties, "IntegrationType"));
        Assert.Contains("${ChatFunction.Alias}", Scalar(integration.Properties, "IntegrationUri"), StringComparison.Ordinal);
        Assert.All(Of("AWS::ApiGatewayV2::Route"), route =>
            Assert.Equal($"integrations/${{{integration.LogicalId}}}", Scalar(route.Properties, "Target")));
    }

    [Fact]
    public void The_deployment_depends_on_every_route_and_permissions_cover_both_aliases()
    {
        var deployment = Assert.Single(Of("AWS::ApiGatewayV2::Deployment"));
        var dependsOn = ((YamlSequenceNode)deployment.Body["DependsOn"]).Children.Select(node => ((YamlScalarNode)node).Value).Order();
        Assert.Equal(Of("AWS::ApiGatewayV2::Route").Select(route => route.LogicalId).Order(), dependsOn);

        var permissions = Of("AWS::Lambda::Permission").Select(p => Scalar(p.Properties, "FunctionName")).Order();
        Assert.Equal(["ChatAuthorizerFunction.Alias", "ChatFunction.Alias"], permissions);
    }

    [Fact]
    public void The_connections_table_has_the_keys_index_and_ttl_the_repository_uses()
    {
        var request = Template.CreateTableRequest("ConnectionsTable", "any");

        Assert.Equal(ConnectionRepository.KeyAttribute, Assert.Single(request.KeySchema).AttributeName);
        var index = Assert.Single(request.GlobalSecondaryIndexes);
        Assert.Equal(ConnectionRepository.RoomIndex, index.IndexName);
        Assert.Equal(ConnectionRepository.RoomAttribute, index.KeySchema[0].AttributeName);
        Assert.Equal(ConnectionRepository.TimeToLiveAttribute, Template.TimeToLiveAttribute("ConnectionsTable"));
    }
}
