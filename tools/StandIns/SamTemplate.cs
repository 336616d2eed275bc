using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using YamlDotNet.RepresentationModel;

namespace Samples.StandIns;

/// <summary>
/// Reads infra/template.yaml, the single definition of tables and routes: local tooling and tests create
/// tables from it, and tests compare its routes with the apps', so neither can drift.
/// CloudFormation tags (!Ref, !Sub...) are kept as YAML tags and ignored here.
/// </summary>
public sealed class SamTemplate
{
    private readonly YamlMappingNode root;

    private SamTemplate(YamlMappingNode root) => this.root = root;

    public static SamTemplate Load(string? path = null) => new(LoadRoot(path));

    /// <summary>The template's root node, its <c>Fn::ForEach</c> loops expanded (<see cref="LanguageExtensions"/>).</summary>
    public static YamlMappingNode LoadRoot(string? path = null)
    {
        using var reader = new StreamReader(path ?? RepositoryLayout.Template);
        var yaml = new YamlStream();
        yaml.Load(reader);
        return LanguageExtensions.Expand((YamlMappingNode)yaml.Documents[0].RootNode);
    }

    /// <summary>Resources in template order: logical id, type and properties.</summary>
    public IReadOnlyList<TemplateResource> Resources =>
        [.. ((YamlMappingNode)root["Resources"]).Children.Select(pair =>
        {
            var body = (YamlMappingNode)pair.Value;
            return new TemplateResource(
                ((YamlScalarNode)pair.Key).Value!,
                Scalar(body, "Type")!,
                body.Children.TryGetValue("Properties", out var properties) ? (YamlMappingNode)properties : new YamlMappingNode(),
                body);
        })];

    public TemplateResource Resource(string logicalId) =>
        Resources.SingleOrDefault(resource => resource.LogicalId == logicalId)
        ?? throw new KeyNotFoundException($"infra/template.yaml has no resource '{logicalId}'.");

    /// <summary>
    /// The functions of the services: every AWS::Serverless::Function but the CodeDeploy PreTraffic hooks, which are
    /// the functions another one names as its hook.
    /// </summary>
    public IEnumerable<TemplateResource> ServiceFunctions
    {
        get
        {
            var functions = Resources.Where(resource => resource.Type == "AWS::Serverless::Function").ToList();
            var hooks = functions
                .Select(function => function.Properties.Children.TryGetValue("DeploymentPreference", out var preference)
                    && ((YamlMappingNode)preference).Children.TryGetValue("Hooks", out var hooksNode)
                    && ((YamlMappingNode)hooksNode).Children.TryGetValue("PreTraffic", out var hook) ? ((YamlScalarNode)hook).Value : null)
                .ToHashSet();
            return functions.Where(function => !hooks.Contains(function.LogicalId));
        }
    }

    /// <summary>The APIs of the services: HTTP APIs, REST APIs and WebSocket APIs.</summary>
    public IEnumerable<TemplateResource> Apis => Resources.Where(resource =>
        resource.Type is "AWS::Serverless::HttpApi" or "AWS::Serverless::Api" or "AWS::ApiGatewayV2::Api");

    /// <summary>The route keys a WebSocket API selects by $request.body.action: its routes but $connect, $disconnect and $default.</summary>
    public IReadOnlySet<string> WebSocketActions(string apiLogicalId) =>
        Resources.Where(resource => resource.Type == "AWS::ApiGatewayV2::Route" && Scalar(resource.Properties, "ApiId") == apiLogicalId)
            .Select(route => Scalar(route.Properties, "RouteKey")!)
            .Where(key => !key.StartsWith('$'))
            .ToHashSet(StringComparer.Ordinal);

    public IEnumerable<TemplateResource> Tables => Resources.Where(resource => resource.Type == "AWS::DynamoDB::Table");

    /// <summary>The CreateTable request for a table of the template, under another name.</summary>
    public CreateTableRequest CreateTableRequest(string logicalId, string tableName)
    {
        var properties = Resource(logicalId).Properties;
        var request = new CreateTableRequest
        {
            TableName = tableName,
            BillingMode = BillingMode.PAY_PER_REQUEST,
            AttributeDefinitions = [.. Sequence(properties, "AttributeDefinitions").Select(definition =>
                new AttributeDefinition(Scalar(definition, "AttributeName"), new ScalarAttributeType(Scalar(definition, "AttributeType"))))],
            KeySchema = KeySchema(properties),
        };

        var indexes = Sequence(properties, "GlobalSecondaryIndexes").Select(index => new GlobalSecondaryIndex
        {
            IndexName = Scalar(index, "IndexName"),
            KeySchema = KeySchema(index),
            Projection = ToProjection((YamlMappingNode)index["Projection"]),
        }).ToList();
        if (indexes.Count > 0)
        {
            request.GlobalSecondaryIndexes = indexes;
        }

        // A stream, when the template gives the table one (MessagesTable's feeds the fan-out).
        if (properties.Children.TryGetValue("StreamSpecification", out var stream))
        {
            request.StreamSpecification = new StreamSpecification
            {
                StreamEnabled = true,
                StreamViewType = new StreamViewType(Scalar((YamlMappingNode)stream, "StreamViewType")),
            };
        }

        return request;
    }

    /// <summary>The TTL attribute of a table, when the template enables one.</summary>
    public string? TimeToLiveAttribute(string logicalId) =>
        Resource(logicalId).Properties.Children.TryGetValue("TimeToLiveSpecification", out var ttl)
        && Scalar((YamlMappingNode)ttl, "Enabled") == "true"
            ? Scalar((YamlMappingNode)ttl, "AttributeName")
            : null;

    /// <summary>The HTTP API routes a function declares: its events of type HttpApi.</summary>
    public IReadOnlyList<TemplateRoute> HttpApiRoutes(string functionLogicalId) => Routes(functionLogicalId, "HttpApi");

    /// <summary>The REST API routes a function declares: its events of type Api.</summary>
    public IReadOnlyList<TemplateRoute> RestApiRoutes(string functionLogicalId) => Routes(functionLogicalId, "Api");

    private IReadOnlyList<TemplateRoute> Routes(string functionLogicalId, string eventType)
    {
        var properties = Resource(functionLogicalId).Properties;
        if (!properties.Children.TryGetValue("Events", out var events))
        {
            return [];
        }

        return [.. ((YamlMappingNode)events).Children
            .Select(pair => (Name: ((YamlScalarNode)pair.Key).Value!, Body: (YamlMappingNode)pair.Value))
            .Where(e => Scalar(e.Body, "Type") == eventType)
            .Select(e =>
            {
                var route = (YamlMappingNode)e.Body["Properties"];
                string? authorizer = route.Children.TryGetValue("Auth", out var auth) ? Scalar((YamlMappingNode)auth, "Authorizer") : null;
                return new TemplateRoute(e.Name, Scalar(route, "Method")!.ToUpperInvariant(), Scalar(route, "Path")!, authorizer);
            })];
    }

    private static List<KeySchemaElement> KeySchema(YamlMappingNode node) =>
        [.. Sequence(node, "KeySchema").Select(key => new KeySchemaElement(Scalar(key, "AttributeName"), new KeyType(Scalar(key, "KeyType"))))];

    private static Projection ToProjection(YamlMappingNode node)
    {
        var projection = new Projection { ProjectionType = new ProjectionType(Scalar(node, "ProjectionType")) };
        if (node.Children.TryGetValue("NonKeyAttributes", out var attributes))
        {
            projection.NonKeyAttributes = [.. ((YamlSequenceNode)attributes).Children.Select(a => ((YamlScalarNode)a).Value!)];
        }

        return projection;
    }

    private static IEnumerable<YamlMappingNode> Sequence(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(key, out var value) ? ((YamlSequenceNode)value).Children.Cast<YamlMappingNode>() : [];

    public static string? Scalar(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(key, out var value) && value is YamlScalarNode scalar ? scalar.Value : null;
}

public sealed record TemplateResource(string LogicalId, string Type, YamlMappingNode Properties, YamlMappingNode Body);

/// <summary>A route of the template. <see cref="Authorizer"/> is null when the API's default authorizer applies.</summary>
public sealed record TemplateRoute(string EventName, string Method, string Path, string? Authorizer)
{
    public bool IsPublic => Authorizer == "NONE";
}
