using Samples.StandIns;
using YamlDotNet.RepresentationModel;

namespace Samples.Infrastructure.Tests;

/// <summary>infra/template.yaml: lint-clean, safe by default, and usable by `sam local start-api`.</summary>
public sealed class TemplateTests
{
    private static readonly SamTemplate Template = SamTemplate.Load();

    [Fact]
    public async Task Cfn_lint_reports_no_errors_and_no_warnings()
    {
        var (exitCode, output) = await Tools.RunAsync("cfn-lint", "--format", "parseable", RepositoryLayout.Template);

        Assert.True(exitCode == 0 && output.Trim().Length == 0, $"cfn-lint exited {exitCode}:\n{output}");
    }

    [Fact]
    public void A_serverless_resource_comes_before_every_raw_api_gateway_resource()
    {
        var types = Template.Resources.Select(resource => resource.Type).ToList();
        var firstServerless = types.FindIndex(type => type.StartsWith("AWS::Serverless::", StringComparison.Ordinal));
        var firstRawApi = types.FindIndex(type => type.StartsWith("AWS::ApiGateway", StringComparison.Ordinal));

        Assert.True(firstServerless >= 0, "The template has no AWS::Serverless::* resource.");
        if (firstRawApi >= 0)
        {
            Assert.True(firstServerless < firstRawApi,
                $"{Template.Resources[firstRawApi].LogicalId} ({types[firstRawApi]}) comes before the first AWS::Serverless::* resource; `sam local start-api` would crash on it.");
        }
    }

    /// <summary>Tables whose items are users' data; the Chat connections table is ephemeral (TTL).</summary>

    /// <summary>
    /// The tables each function may reach: its service's (a DynamoDB policy template, or statements on the table or its
    /// indexes). Chat's two functions share Chat's tables; the authorizer and the hooks reach none. The shared
    /// IdempotencyTable has a test of its own (each function only under its service's key prefix).
    /// </summary>
    private static readonly Dictionary<string, string[]> OwnedTables = new()
    {
        ["ProductsFunction"] = ["ProductsTable"],
        ["ProductsFunctionPreTrafficHook"] = [],
        //#if (IncludeUsers)
        ["UsersFunction"] = ["UsersTable"],
        ["UsersFunctionPreTrafficHook"] = [],
        //#endif
        //#if (IncludeChat)
        ["ChatFunction"] = ["ConnectionsTable", "MessagesTable"],
        ["ChatFanoutFunction"] = ["ConnectionsTable"],
        ["ChatAuthorizerFunction"] = [],
        ["ChatFunctionPreTrafficHook"] = [],
        ["ChatAuthorizerFunctionPreTrafficHook"] = [],
        ["ChatFanoutFunctionPreTrafficHook"] = [],
        //#endif
    };

    /// <summary>Tables whose items are users' data: what members wrote included; the Chat connections table is ephemeral (TTL).</summary>
    private static readonly string[] DurableTables =
    [
        "ProductsTable",
        //#if (IncludeUsers)
        "UsersTable",
        //#endif
        //#if (IncludeChat)
        "MessagesTable",
        //#endif
    ];

    [Fact]
    public void Every_table_is_on_demand_and_encrypted_and_durable_ones_are_recoverable_and_retained()
    {
        Assert.Equal(OwnedTables.Values.SelectMany(tables => tables).Distinct().Append(SharedIdempotencyTable).Order(), Template.Tables.Select(table => table.LogicalId).Order());
        Assert.All(Template.Tables, table =>
        {
            Assert.Equal("PAY_PER_REQUEST", Scalar(table.Properties, "BillingMode"));
            Assert.Equal("true", Scalar((YamlMappingNode)table.Properties["SSESpecification"], "SSEEnabled"));
        });
        Assert.All(Template.Tables.Where(table => DurableTables.Contains(table.LogicalId)), table =>
        {
            Assert.Equal("true", Scalar((YamlMappingNode)table.Properties["PointInTimeRecoverySpecification"], "PointInTimeRecoveryEnabled"));
            Assert.Equal("Retain", Scalar(table.Body, "DeletionPolicy"));
            Assert.Equal("Retain", Scalar(table.Body, "UpdateReplacePolicy"));
        });
    }

    /// <summary>
    /// What a deleted or replaced stack keeps: whatever holds users' data that the template cannot recreate. The user
    /// pool (identities: deleting it leaves profiles nobody can sign in to) and its groups (who is an admin), and the
    /// durable tables. Nothing else: the rest is configuration the template recreates, or data that expires by design
    /// (chat connections, idempotency records, the fan-out's failure pointers after 14 days, logs after their retention).
    /// </summary>
    [Fact]
    public void Exactly_what_holds_users_data_is_retained_on_delete_and_on_replacement()
    {
        string[] identityTypes = ["AWS::Cognito::UserPool", "AWS::Cognito::UserPoolGroup"];
        var mustKeep = Template.Resources
            .Where(resource => identityTypes.Contains(resource.Type) || DurableTables.Contains(resource.LogicalId))
            .Select(resource => resource.LogicalId).Order().ToList();
        var kept = Template.Resources.Where(resource => Scalar(resource.Body, "DeletionPolicy") == "Retain").Select(resource => resource.LogicalId).Order().ToList();
        var keptOnReplacement = Template.Resources.Where(resource => Scalar(resource.Body, "UpdateReplacePolicy") == "Retain").Select(resource => resource.LogicalId).Order().ToList();

        Assert.Contains("UserPool", mustKeep);
        Assert.Equal(mustKeep, kept);
        Assert.Equal(mustKeep, keptOnReplacement);
    }

    /// <summary>Idempotency-Key records of every service (services/ServiceDefaults/Idempotency), one table for all.</summary>
    private const string SharedIdempotencyTable = "IdempotencyTable";

    /// <summary>The functions that honour Idempotency-Key, and the key prefix (their service's name) each may reach.</summary>
    private static readonly Dictionary<string, string> IdempotencyScopes = new()
    {
        ["ProductsFunction"] = "products",
        //#if (IncludeUsers)
        ["UsersFunction"] = "users",
        //#endif
    };

    [Fact]
    public void Idempotency_records_expire_and_each_function_reaches_only_the_records_of_its_own_service()
    {
        var table = Template.Resource(SharedIdempotencyTable);
        var ttl = (YamlMappingNode)table.Properties["TimeToLiveSpecification"];
        Assert.Equal("expiresAt", Scalar(ttl, "AttributeName"));
        Assert.Equal("true", Scalar(ttl, "Enabled"));

        foreach (var function in Template.Resources.Where(resource => resource.Type == "AWS::Serverless::Function"))
        {
            var mentions = function.Body.AllNodes.OfType<YamlScalarNode>().Count(node => node.Value is SharedIdempotencyTable or $"{SharedIdempotencyTable}.Arn");
            if (!IdempotencyScopes.TryGetValue(function.LogicalId, out var scope))
            {
                Assert.Equal(0, mentions);
                continue;
            }

            var variables = (YamlMappingNode)((YamlMappingNode)function.Properties["Environment"])["Variables"];
            Assert.Equal(SharedIdempotencyTable, ((YamlScalarNode)variables["Idempotency__TableName"]).Value);
            Assert.Equal(scope, ((YamlScalarNode)variables["POWERTOOLS_SERVICE_NAME"]).Value);
            var statement = Assert.Single(function.Properties["Policies"].AllNodes.OfType<YamlMappingNode>(),
                node => node.Children.TryGetValue("Resource", out var resource) && resource is YamlScalarNode { Value: $"{SharedIdempotencyTable}.Arn" });
            Assert.Equal(["dynamodb:PutItem", "dynamodb:UpdateItem"], ((YamlSequenceNode)statement["Action"]).Children.Select(node => ((YamlScalarNode)node).Value).Order());
            var condition = (YamlMappingNode)((YamlMappingNode)statement["Condition"])["ForAllValues:StringLike"];
            Assert.Equal([$"{scope}#*"], ((YamlSequenceNode)condition["dynamodb:LeadingKeys"]).Children.Select(node => ((YamlScalarNode)node).Value));
        }
    }

    [Fact]
    public void Each_function_may_touch_only_its_own_table()
    {
        var functions = Template.Resources.Where(resource => resource.Type == "AWS::Serverless::Function").ToList();
        Assert.Equal(OwnedTables.Keys.Order(), functions.Select(function => function.LogicalId).Order());
        Assert.All(functions, function =>
        {
            var policies = function.Properties.Children.TryGetValue("Policies", out var list)
                ? ((YamlSequenceNode)list).Children.Cast<YamlMappingNode>().ToList()
                : [];
            var templated = policies
                .Where(policy => policy.Children.Keys.OfType<YamlScalarNode>().Any(key => key.Value!.StartsWith("DynamoDB", StringComparison.Ordinal)))
                .Select(policy => ((YamlMappingNode)policy.Children.Single().Value)["TableName"])
                .ToList();
            Assert.All(templated, table => Assert.Equal("!Ref", table.Tag.Value));
            // Statements with DynamoDB actions: the tables their resources name (!GetAtt T.Arn, ${T.Arn}/index/...).
            var named = policies.SelectMany(policy => policy.AllNodes.OfType<YamlMappingNode>())
                .Where(node => node.Children.TryGetValue("Action", out var action) && action.AllNodes.OfType<YamlScalarNode>().Any(a => a.Value!.StartsWith("dynamodb:", StringComparison.Ordinal)))
                .Select(node => System.Text.RegularExpressions.Regex.Match(((YamlScalarNode)node["Resource"]).Value!, @"^\$?\{?(\w+)\.Arn").Groups[1].Value)
                .Where(table => table != SharedIdempotencyTable);
            var reached = templated.Select(table => ((YamlScalarNode)table).Value!).Concat(named).Distinct().Order();
            Assert.Equal(OwnedTables[function.LogicalId].Order(), reached);
            Assert.DoesNotContain(policies, policy => policy.Children.ContainsKey("AmazonDynamoDBFullAccess") || policy.Children.ContainsKey("AdministratorAccess"));
        });
    }

    //#if (IncludeChat)
    [Fact]
    public void Only_the_chat_functions_may_manage_connections_and_only_on_their_own_api()
    {
        string[] chatFunctions = ["ChatFunction", "ChatFanoutFunction"];
        foreach (var chat in chatFunctions)
        {
            var statements = Template.Resource(chat).Properties["Policies"].AllNodes.OfType<YamlMappingNode>()
                .Where(node => node.Children.TryGetValue("Action", out var action) && action is YamlScalarNode { Value: "execute-api:ManageConnections" })
                .ToList();

            var statement = Assert.Single(statements);
            Assert.Equal("arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${ChatApi}/*/POST/@connections/*", ((YamlScalarNode)statement["Resource"]).Value);
        }

        Assert.All(Template.Resources.Where(r => r.Type == "AWS::Serverless::Function" && !chatFunctions.Contains(r.LogicalId)), function =>
            Assert.DoesNotContain(function.Body.AllNodes.OfType<YamlScalarNode>(), node => node.Value == "execute-api:ManageConnections"));
    }
    //#endif

    [Fact]
    public void Functions_run_on_arm64_with_tracing_and_an_alias()
    {
        // The runtime follows NativeAot (OperationsTemplateTests checks dotnet10 and provided.al2023).
        var globals = (YamlMappingNode)((YamlMappingNode)LoadRoot()["Globals"])["Function"];

        Assert.Equal(["arm64"], ((YamlSequenceNode)globals["Architectures"]).Children.Select(node => ((YamlScalarNode)node).Value));
        Assert.Equal("Active", Scalar(globals, "Tracing"));
        Assert.NotNull(Scalar(globals, "AutoPublishAlias"));
    }

    private static YamlMappingNode LoadRoot()
    {
        using var reader = new StreamReader(RepositoryLayout.Template);
        var yaml = new YamlStream();
        yaml.Load(reader);
        return (YamlMappingNode)yaml.Documents[0].RootNode;
    }

    private static string? Scalar(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(key, out var value) ? ((YamlScalarNode)value).Value : null;
}
