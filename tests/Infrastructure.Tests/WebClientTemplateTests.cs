using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Samples.StandIns;
using YamlDotNet.RepresentationModel;

namespace Samples.Infrastructure.Tests;

/// <summary>
/// EnableWebClient: a private bucket only the distribution reads, HTTPS only, the page's security headers on every
/// behaviour (the same as `make run` sends), the APIs under the page's origin, and a config.json made at the edge.
/// </summary>
public sealed partial class WebClientTemplateTests
{
    private static readonly SamTemplate Template = SamTemplate.Load();

    private static readonly string[] WebClientResources =
        ["WebClientBucket", "WebClientBucketPolicy", "WebClientOriginAccessControl", "WebClientConfigFunction", "WebClientHeadersPolicy", "WebClientDistribution"];

    [Fact]
    public void Every_web_client_resource_exists_only_with_EnableWebClient()
    {
        Assert.All(WebClientResources, logicalId => Assert.Equal("WebClientEnabled", Scalar(Template.Resource(logicalId).Body, "Condition")));
    }

    [Fact]
    public void The_bucket_is_private_and_only_the_distribution_reads_it_over_tls()
    {
        var bucket = Template.Resource("WebClientBucket").Properties;
        var block = (YamlMappingNode)bucket["PublicAccessBlockConfiguration"];
        Assert.All(["BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets"], setting => Assert.Equal("true", Scalar(block, setting)));
        Assert.Equal("BucketOwnerEnforced", Scalar((YamlMappingNode)((YamlSequenceNode)((YamlMappingNode)bucket["OwnershipControls"])["Rules"]).Children[0], "ObjectOwnership"));

        var statements = ((YamlSequenceNode)((YamlMappingNode)Template.Resource("WebClientBucketPolicy").Properties["PolicyDocument"])["Statement"]).Children.Cast<YamlMappingNode>().ToList();
        var allow = Assert.Single(statements, statement => Scalar(statement, "Effect") == "Allow");
        Assert.Equal("cloudfront.amazonaws.com", Scalar((YamlMappingNode)allow["Principal"], "Service"));
        Assert.Equal("s3:GetObject", Scalar(allow, "Action"));
        var sourceArn = Scalar((YamlMappingNode)((YamlMappingNode)allow["Condition"])["StringEquals"], "AWS:SourceArn");
        Assert.EndsWith(":distribution/${WebClientDistribution}", sourceArn, StringComparison.Ordinal);
        var deny = Assert.Single(statements, statement => Scalar(statement, "Effect") == "Deny");
        Assert.Equal("false", Scalar((YamlMappingNode)((YamlMappingNode)deny["Condition"])["Bool"], "aws:SecureTransport"));

        var origins = Distribution()["Origins"].AllNodes.OfType<YamlMappingNode>().Where(node => node.Children.ContainsKey("Id")).ToList();
        var web = Assert.Single(origins, origin => Scalar(origin, "Id") == "web");
        Assert.Equal("WebClientOriginAccessControl.Id", Scalar(web, "OriginAccessControlId"));
        Assert.Equal("", Scalar((YamlMappingNode)web["S3OriginConfig"], "OriginAccessIdentity")); // no legacy OAI
        Assert.Equal("always", Scalar((YamlMappingNode)Template.Resource("WebClientOriginAccessControl").Properties["OriginAccessControlConfig"], "SigningBehavior"));
    }

    [Fact]
    public void Every_behaviour_is_https_only_and_carries_the_headers_policy()
    {
        var distribution = Distribution();
        var behaviours = ((YamlSequenceNode)distribution["CacheBehaviors"]).Children.Cast<YamlMappingNode>().Append((YamlMappingNode)distribution["DefaultCacheBehavior"]).ToList();

        Assert.All(behaviours, behaviour =>
        {
            Assert.Contains(Scalar(behaviour, "ViewerProtocolPolicy"), new[] { "https-only", "redirect-to-https" });
            Assert.Equal("WebClientHeadersPolicy", Scalar(behaviour, "ResponseHeadersPolicyId"));
        });
        // The APIs are under the page's origin: same origin, so no CORS step.
        var paths = behaviours.Where(behaviour => behaviour.Children.ContainsKey("PathPattern")).Select(behaviour => Scalar(behaviour, "PathPattern")).ToList();
        Assert.Contains("/products*", paths);
        //#if (IncludeUsers)
        Assert.Contains("/users*", paths);
        //#endif
    }

    [Fact]
    public void The_headers_policy_sends_the_same_policy_as_the_local_web_host_but_for_the_origins_it_connects_to()
    {
        var local = SecurityHeaders.ForWebClient(["https://cognito.example"]);
        var security = (YamlMappingNode)((YamlMappingNode)Template.Resource("WebClientHeadersPolicy").Properties["ResponseHeadersPolicyConfig"])["SecurityHeadersConfig"];
        var cloudCsp = Resolve(((YamlMappingNode)security["ContentSecurityPolicy"])["ContentSecurityPolicy"]);

        Assert.Equal(Directives(local["Content-Security-Policy"]).Where(d => d.Key != "connect-src"), Directives(cloudCsp).Where(d => d.Key != "connect-src"));
        var connect = Directives(cloudCsp)["connect-src"].Split(' ');
        Assert.Contains("'self'", connect);
        Assert.Contains("https://cognito-idp.us-east-1.amazonaws.com", connect);
        //#if (IncludeChat)
        Assert.Contains("wss://chatapi123.execute-api.us-east-1.amazonaws.com", connect);
        //#endif
        Assert.Equal(local["X-Frame-Options"], Scalar((YamlMappingNode)security["FrameOptions"], "FrameOption"));
        Assert.Equal(local["Referrer-Policy"], Scalar((YamlMappingNode)security["ReferrerPolicy"], "ReferrerPolicy"));
        Assert.True(security.Children.ContainsKey("ContentTypeOptions"));
        Assert.True(security.Children.ContainsKey("StrictTransportSecurity"));
        var removed = ((YamlMappingNode)Template.Resource("WebClientHeadersPolicy").Properties["ResponseHeadersPolicyConfig"])["RemoveHeadersConfig"];
        Assert.Contains(removed.AllNodes.OfType<YamlScalarNode>(), node => node.Value == "Server");
    }

    [Fact]
    public async Task The_config_function_answers_the_config_json_the_page_reads_from_the_stacks_own_values()
    {
        var code = Resolve(Template.Resource("WebClientConfigFunction").Properties["FunctionCode"]);

        var (exitCode, output) = await Tools.RunAsync("node", "-e", code + "\nconsole.log(JSON.stringify(handler({ request: { uri: '/config.json' } })));");

        Assert.True(exitCode == 0, output);
        var response = JsonNode.Parse(output.Trim())!;
        Assert.Equal(200, response["statusCode"]!.GetValue<int>());
        Assert.Equal("application/json", response["headers"]!["content-type"]!["value"]!.GetValue<string>());
        var config = JsonNode.Parse(response["body"]!["data"]!.GetValue<string>())!;
        Assert.Equal("us-east-1", config["region"]!.GetValue<string>());
        Assert.Equal("client123", config["clientId"]!.GetValue<string>());
        Assert.Equal("https://cognito-idp.us-east-1.amazonaws.com/", config["cognitoEndpoint"]!.GetValue<string>());
        Assert.Equal("", config["productsUrl"]!.GetValue<string>()); // the page's own origin
        //#if (IncludeUsers)
        Assert.Equal("", config["usersUrl"]!.GetValue<string>());
        //#endif
        //#if (IncludeChat)
        Assert.Equal("wss://chatapi123.execute-api.us-east-1.amazonaws.com/v1", config["chatUrl"]!.GetValue<string>());
        //#endif
    }

    private static YamlMappingNode Distribution() => (YamlMappingNode)Template.Resource("WebClientDistribution").Properties["DistributionConfig"];

    /// <summary>A !Join of literals and !Subs, with example values for the stack's names (as CloudFormation would fill them).</summary>
    private static string Resolve(YamlNode node) => node switch
    {
        YamlSequenceNode { Tag.Value: "!Join" } join => string.Join(((YamlScalarNode)join.Children[0]).Value, ((YamlSequenceNode)join.Children[1]).Children.Select(Resolve)),
        YamlScalarNode scalar => Substitution().Replace(scalar.Value!, match => match.Groups[1].Value switch
        {
            "AWS::Region" => "us-east-1",
            "AWS::URLSuffix" => "amazonaws.com",
            "UserPoolClient" => "client123",
            "ChatApi" => "chatapi123",
            "ChatStage" => "v1",
            var name => throw new InvalidOperationException($"No example value for ${{{name}}}."),
        }),
        _ => throw new InvalidOperationException($"Cannot resolve {node.NodeType}."),
    };

    private static Dictionary<string, string> Directives(string policy) =>
        policy.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(directive => directive.Split(' ', 2))
            .ToDictionary(parts => parts[0], parts => parts.Length > 1 ? parts[1] : "");

    private static string? Scalar(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(key, out var value) ? ((YamlScalarNode)value).Value : null;

    [GeneratedRegex(@"\$\{([^}]+)\}")]
    private static partial Regex Substitution();
}
