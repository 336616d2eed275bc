using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Samples.StandIns;
using YamlDotNet.RepresentationModel;

namespace Samples.Infrastructure.Tests;

/// <summary>
/// infra/github-deploy-role.yaml: the CI deploy may create exactly what the application template creates, every option
/// on, and cannot be turned into a way to mint an administrator. IAM is evaluated here statement by statement
/// (Allow only, no Deny, as the file has), with the application template expanded by the SAM translator.
/// </summary>
public sealed class DeployRoleTests
{
    private const string BoundaryArn = "arn:aws:iam::123456789012:policy/serverless-samples-csharp-roles-boundary";

    private static readonly YamlMappingNode DeployTemplate = Load(Path.Combine(RepositoryLayout.Root, "infra", "github-deploy-role.yaml"));

    /// <summary>The action CloudFormation calls to create each resource type the application template can hold.</summary>
    private static readonly Dictionary<string, string> CreateAction = new()
    {
        ["AWS::ApiGateway::Account"] = "apigateway:PATCH",
        ["AWS::ApiGateway::ApiKey"] = "apigateway:POST",
        ["AWS::ApiGateway::BasePathMapping"] = "apigateway:POST",
        ["AWS::ApiGateway::Deployment"] = "apigateway:POST",
        ["AWS::ApiGateway::DomainName"] = "apigateway:POST",
        ["AWS::ApiGateway::GatewayResponse"] = "apigateway:PUT",
        ["AWS::ApiGateway::Model"] = "apigateway:POST",
        ["AWS::ApiGateway::RequestValidator"] = "apigateway:POST",
        ["AWS::ApiGateway::RestApi"] = "apigateway:POST",
        ["AWS::ApiGateway::Stage"] = "apigateway:POST",
        ["AWS::ApiGateway::UsagePlan"] = "apigateway:POST",
        ["AWS::ApiGateway::UsagePlanKey"] = "apigateway:POST",
        ["AWS::ApiGatewayV2::Api"] = "apigateway:POST",
        ["AWS::ApiGatewayV2::ApiMapping"] = "apigateway:POST",
        ["AWS::ApiGatewayV2::Authorizer"] = "apigateway:POST",
        ["AWS::ApiGatewayV2::Deployment"] = "apigateway:POST",
        ["AWS::ApiGatewayV2::DomainName"] = "apigateway:POST",
        ["AWS::ApiGatewayV2::Integration"] = "apigateway:POST",
        ["AWS::ApiGatewayV2::Route"] = "apigateway:POST",
        ["AWS::ApiGatewayV2::Stage"] = "apigateway:POST",
        ["AWS::CloudFront::Distribution"] = "cloudfront:CreateDistribution",
        ["AWS::CloudFront::Function"] = "cloudfront:CreateFunction",
        ["AWS::CloudFront::OriginAccessControl"] = "cloudfront:CreateOriginAccessControl",
        ["AWS::CloudFront::ResponseHeadersPolicy"] = "cloudfront:CreateResponseHeadersPolicy",
        ["AWS::CloudWatch::Alarm"] = "cloudwatch:PutMetricAlarm",
        ["AWS::CloudWatch::Dashboard"] = "cloudwatch:PutDashboard",
        ["AWS::CodeDeploy::Application"] = "codedeploy:CreateApplication",
        ["AWS::CodeDeploy::DeploymentGroup"] = "codedeploy:CreateDeploymentGroup",
        ["AWS::Cognito::UserPool"] = "cognito-idp:CreateUserPool",
        ["AWS::Cognito::UserPoolClient"] = "cognito-idp:CreateUserPoolClient",
        ["AWS::Cognito::UserPoolGroup"] = "cognito-idp:CreateGroup",
        ["AWS::DynamoDB::Table"] = "dynamodb:CreateTable",
        ["AWS::IAM::Role"] = "iam:CreateRole",
        ["AWS::Lambda::Alias"] = "lambda:CreateAlias",
        ["AWS::Lambda::EventSourceMapping"] = "lambda:CreateEventSourceMapping",
        ["AWS::Lambda::Function"] = "lambda:CreateFunction",
        ["AWS::Lambda::Permission"] = "lambda:AddPermission",
        ["AWS::Lambda::Version"] = "lambda:PublishVersion",
        ["AWS::Logs::LogGroup"] = "logs:CreateLogGroup",
        ["AWS::Route53::RecordSet"] = "route53:ChangeResourceRecordSets",
        ["AWS::S3::Bucket"] = "s3:CreateBucket",
        ["AWS::S3::BucketPolicy"] = "s3:PutBucketPolicy",
        ["AWS::SNS::Subscription"] = "sns:Subscribe",
        ["AWS::SNS::Topic"] = "sns:CreateTopic",
        ["AWS::SNS::TopicPolicy"] = "sns:SetTopicAttributes",
        ["AWS::SQS::Queue"] = "sqs:CreateQueue",
        ["AWS::SQS::QueuePolicy"] = "sqs:SetQueueAttributes",
        ["AWS::WAFv2::WebACL"] = "wafv2:CreateWebACL",
        ["AWS::WAFv2::WebACLAssociation"] = "wafv2:AssociateWebACL",
    };

    /// <summary>What changes a role's rights: allowed only while the role carries the boundary.</summary>
    private static readonly string[] RoleRightsActions =
        ["iam:CreateRole", "iam:PutRolePolicy", "iam:AttachRolePolicy", "iam:DetachRolePolicy", "iam:DeleteRolePolicy", "iam:PutRolePermissionsBoundary"];

    [Fact]
    public async Task The_execution_role_may_create_every_resource_type_of_the_application_with_every_option_on()
    {
        var translated = await TranslateAsync(AllOptions);
        var types = translated["resources"]!.AsObject().Select(resource => resource.Value!["Type"]!.GetValue<string>()).Distinct().Order().ToList();
        var statements = Statements(Role("CloudFormationExecutionRole")).ToList();

        Assert.All(types, type =>
        {
            Assert.True(CreateAction.TryGetValue(type, out var action), $"The application template creates {type}: add its create action to this test and the right to infra/github-deploy-role.yaml.");
            Assert.True(statements.Any(statement => statement.Allows(action!)), $"CloudFormationExecutionRole cannot {action} ({type}).");
        });
        Assert.Contains("AWS::CloudFront::Distribution", types); // the web client is among them
    }

    /// <summary>A change set of a template with transforms needs the right to use each of them (LanguageExtensions and SAM).</summary>
    [Fact]
    public void The_deploy_role_may_use_every_transform_of_the_application_template()
    {
        var transforms = SamTemplate.LoadRoot()["Transform"] switch
        {
            YamlScalarNode single => [single.Value!],
            YamlSequenceNode many => many.Children.Select(node => ((YamlScalarNode)node).Value!).ToList(),
            _ => [],
        };
        var granted = ((YamlMappingNode)DeployTemplate["Resources"]).Children.Values.SelectMany(resource => resource.AllNodes.OfType<YamlMappingNode>())
            .Where(node => node.Children.ContainsKey("Action") && node.Children.ContainsKey("Effect"))
            .Select(node => new Statement(node))
            .Where(statement => statement.Allows("cloudformation:CreateChangeSet"))
            .SelectMany(statement => statement.Resources)
            .ToList();

        Assert.Contains("AWS::LanguageExtensions", transforms);
        Assert.All(transforms, transform =>
            Assert.Contains(granted, resource => resource.EndsWith(":aws:transform/" + transform["AWS::".Length..], StringComparison.Ordinal)));
    }

    [Fact]
    public void The_execution_role_changes_a_roles_rights_only_while_the_role_carries_the_stacks_boundary()
    {
        var statements = Statements(Role("CloudFormationExecutionRole")).ToList();

        foreach (var action in RoleRightsActions)
        {
            var granting = statements.Where(statement => statement.Allows(action)).ToList();
            Assert.NotEmpty(granting);
            Assert.All(granting, statement => Assert.Equal("Ref:StackRolesBoundary", statement.Condition("StringEquals", "iam:PermissionsBoundary")));
        }

        // Nothing else that would let a role shed or rewrite the boundary, or a function run as something else.
        string[] never = ["iam:DeleteRolePermissionsBoundary", "iam:CreatePolicyVersion", "iam:SetDefaultPolicyVersion", "iam:DeletePolicy",
            "iam:CreatePolicy", "iam:CreateUser", "iam:AttachUserPolicy", "iam:PutUserPolicy", "lambda:CreateFunctionUrlConfig", "lambda:InvokeFunction", "sts:AssumeRole"];
        Assert.All(never, action => Assert.DoesNotContain(statements, statement => statement.Allows(action)));
        Assert.DoesNotContain(statements, statement => statement.Actions.Any(granted => granted is "*" or "iam:*" or "lambda:*" or "sts:*"));
    }

    [Fact]
    public void The_boundary_grants_no_iam_and_no_wildcard_action()
    {
        var boundary = Statements((YamlMappingNode)Resource("StackRolesBoundary")["Properties"]).ToList();

        Assert.NotEmpty(boundary);
        Assert.DoesNotContain(boundary, statement => statement.Actions.Any(action => action.EndsWith('*') || action.StartsWith("iam:", StringComparison.Ordinal) || action.StartsWith("sts:", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Every_role_of_the_application_carries_the_boundary_it_is_given_and_the_boundary_allows_what_they_are_granted()
    {
        var translated = await TranslateAsync(AllOptions.Replace("{", $$"""{"PermissionsBoundary":"{{BoundaryArn}}",""", StringComparison.Ordinal));
        var roles = translated["roles"]!.AsObject();
        var boundary = Statements((YamlMappingNode)Resource("StackRolesBoundary")["Properties"]).ToList();

        Assert.NotEmpty(roles);
        Assert.All(roles, role => Assert.Equal(BoundaryArn, role.Value!["boundary"]?.GetValue<string>()));
        Assert.All(roles, role => Assert.All(role.Value!["actions"]!.AsArray().Select(action => action!.GetValue<string>()), action =>
            Assert.True(boundary.Any(statement => statement.Allows(action)), $"{role.Key} is granted {action}, which StackRolesBoundary does not allow: the deployed function would be denied it.")));

        var unbounded = await TranslateAsync(AllOptions);
        Assert.All(unbounded["roles"]!.AsObject(), role => Assert.Null(role.Value!["boundary"]));
    }

    private const string AllOptions = """{"EnableWebClient":"true","EnableWaf":"true","EnableUsagePlan":"true","AlarmEmail":"ops@example.com","DomainName":"example.com","CertificateArn":"arn:aws:acm:us-east-1:123456789012:certificate/abc","HostedZoneId":"Z0123456789"}""";

    /// <summary>The application template through the SAM translator: the resources created, and each role's boundary and inline actions.</summary>
    private static async Task<JsonNode> TranslateAsync(string parameters)
    {
        var (exitCode, output) = await Tools.RunAsync("python3", "-c", TranslateScript, RepositoryLayout.Template, parameters);
        Assert.True(exitCode == 0, output);
        return JsonNode.Parse(output.Split('\n').Last(line => line.StartsWith('{')))!;
    }

    private const string TranslateScript = Tools.SamTransform + """
        created = {name: r for name, r in out["Resources"].items() if "Condition" not in r or holds(conditions[r["Condition"]])}
        roles = {}
        for name, r in created.items():
            if r["Type"] != "AWS::IAM::Role": continue
            actions = set()
            for policy in r["Properties"].get("Policies", []):
                for statement in policy["PolicyDocument"]["Statement"]:
                    if statement["Effect"] == "Allow":
                        actions.update(statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]])
            roles[name] = {"boundary": chosen(r["Properties"].get("PermissionsBoundary")), "actions": sorted(actions)}
        print(json.dumps({"resources": {name: {"Type": r["Type"]} for name, r in created.items()}, "roles": roles}))
        """;

    private static YamlMappingNode Role(string logicalId) => (YamlMappingNode)Resource(logicalId)["Properties"];

    private static YamlMappingNode Resource(string logicalId) => (YamlMappingNode)((YamlMappingNode)DeployTemplate["Resources"])[logicalId];

    /// <summary>The statements of a role's inline policies, or of a managed policy's document.</summary>
    private static IEnumerable<Statement> Statements(YamlMappingNode properties)
    {
        var documents = properties.Children.TryGetValue("Policies", out var policies)
            ? ((YamlSequenceNode)policies).Children.Cast<YamlMappingNode>().Select(policy => (YamlMappingNode)policy["PolicyDocument"])
            : [(YamlMappingNode)properties["PolicyDocument"]];
        return documents.SelectMany(document => ((YamlSequenceNode)document["Statement"]).Children.Cast<YamlMappingNode>())
            .Select(statement => new Statement(statement));
    }

    private sealed class Statement(YamlMappingNode node)
    {
        public IReadOnlyList<string> Actions { get; } = node["Action"] switch
        {
            YamlScalarNode single => [single.Value!],
            YamlSequenceNode many => [.. many.Children.Cast<YamlScalarNode>().Select(action => action.Value!)],
            _ => [],
        };

        public IEnumerable<string> Resources { get; } = node.Children.TryGetValue("Resource", out var resource)
            ? resource.AllNodes.OfType<YamlScalarNode>().Select(value => value.Value!)
            : [];

        public bool Allows(string action) =>
            ((YamlScalarNode)node["Effect"]).Value == "Allow"
            && Actions.Any(granted => Regex.IsMatch(action, "^" + Regex.Escape(granted).Replace("\\*", ".*", StringComparison.Ordinal) + "\\z", RegexOptions.IgnoreCase));

        /// <summary>The condition's value, "Ref:Name" for a reference; null when absent.</summary>
        public string? Condition(string test, string key) =>
            node.Children.TryGetValue("Condition", out var condition)
            && ((YamlMappingNode)condition).Children.TryGetValue(test, out var keys)
            && ((YamlMappingNode)keys).Children.TryGetValue(key, out var value)
                ? value.Tag.Value == "!Ref" ? "Ref:" + ((YamlScalarNode)value).Value : ((YamlScalarNode)value).Value
                : null;
    }

    private static YamlMappingNode Load(string path)
    {
        using var reader = new StreamReader(path);
        var yaml = new YamlStream();
        yaml.Load(reader);
        return (YamlMappingNode)yaml.Documents[0].RootNode;
    }
}
