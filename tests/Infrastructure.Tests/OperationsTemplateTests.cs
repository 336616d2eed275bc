using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Samples.StandIns;
using YamlDotNet.RepresentationModel;

namespace Samples.Infrastructure.Tests;

/// <summary>
/// What the template gives an operator: alarms on every function, API and table, one dashboard naming only
/// resources that exist, canary deployments rolled back by the function's alarms, and edge options that
/// appear exactly when their parameter is set (checked through the SAM translator, option by option).
/// </summary>
public sealed partial class OperationsTemplateTests
{
    private static readonly SamTemplate Template = SamTemplate.Load();

    /// <summary>The services' functions and APIs, as the template declares them: a new service needs no edit here.</summary>
    private static readonly string[] Functions = [.. Template.ServiceFunctions.Select(function => function.LogicalId)];

    private static readonly string[] Apis = [.. Template.Apis.Select(api => api.LogicalId)];

    [Fact]
    public void Every_function_has_errors_throttles_and_duration_alarms_on_its_live_alias()
    {
        foreach (var function in Functions)
        {
            foreach (var (suffix, metric) in new[] { ("ErrorsAlarm", "Errors"), ("ThrottlesAlarm", "Throttles"), ("DurationAlarm", "Duration") })
            {
                var alarm = Alarm(function + suffix);
                Assert.Equal("AWS/Lambda", Scalar(alarm, "Namespace"));
                Assert.Equal(metric, Scalar(alarm, "MetricName"));
                Assert.Contains(Flatten(alarm["Dimensions"]), value => value == $"Ref:{function}" || value == $"Sub:${{{function}}}");
                Assert.Contains($"Sub:${{{function}}}:live", Flatten(alarm["Dimensions"]));
            }
        }
    }

    [Fact]
    public void Every_function_deploys_through_codedeploy_rolled_back_by_its_own_errors_and_throttles_alarms()
    {
        foreach (var function in Functions)
        {
            var preference = (YamlMappingNode)Template.Resource(function).Properties["DeploymentPreference"];
            Assert.Equal("Ref:DeploymentType", Flatten(preference["Type"]).Single());
            Assert.Equal([$"Ref:{function}ErrorsAlarm", $"Ref:{function}ThrottlesAlarm"], Flatten(preference["Alarms"]));
        }
    }

    [Fact]
    public void Every_function_is_a_watched_service_function_or_the_pretraffic_hook_of_one_scoped_to_its_version()
    {
        var hooks = Functions.ToDictionary(
            function => Flatten(((YamlMappingNode)((YamlMappingNode)Template.Resource(function).Properties["DeploymentPreference"])["Hooks"])["PreTraffic"]).Single()["Ref:".Length..],
            function => function);
        var all = Template.Resources.Where(resource => resource.Type == "AWS::Serverless::Function").Select(resource => resource.LogicalId);

        Assert.Equal(all.Order(), Functions.Concat(hooks.Keys).Order());
        foreach (var (hook, function) in hooks)
        {
            var properties = Template.Resource(hook).Properties;
            Assert.StartsWith("Sub:CodeDeployHook_", Flatten(properties["FunctionName"])[0], StringComparison.Ordinal);
            string[] version = [$"Ref:{function}.Version", $"Sub:${{{function}.Version}}"];
            Assert.Contains(Flatten(((YamlMappingNode)((YamlMappingNode)properties["Environment"])["Variables"])["TARGET_FUNCTION_VERSION"]).Single(), version);
            var policy = Flatten(properties["Policies"]);
            Assert.Contains(policy, version.Contains); // invokes only its own function's new version
            Assert.DoesNotContain("*", policy.Where(value => !value.StartsWith("Sub:", StringComparison.Ordinal)));
        }
    }

    [Fact]
    public void Every_api_and_table_has_its_alarms_and_every_alarm_notifies_the_topic()
    {
        // HTTP and REST APIs: the share of 5xx answers and p99 latency; WebSocket APIs: integration and execution errors.
        string[] expected =
        [
            .. Template.Apis.SelectMany(api => api.Type == "AWS::ApiGatewayV2::Api"
                ? new[] { $"{api.LogicalId}IntegrationErrorsAlarm", $"{api.LogicalId}ExecutionErrorsAlarm" }
                : [$"{api.LogicalId}5xxAlarm", $"{api.LogicalId}LatencyAlarm"]),
            .. Template.Tables.SelectMany(table => new[] { $"{table.LogicalId}ReadThrottlesAlarm", $"{table.LogicalId}WriteThrottlesAlarm", $"{table.LogicalId}SystemErrorsAlarm" }),
        ];
        foreach (var logicalId in expected)
        {
            Alarm(logicalId);
        }

        foreach (var alarm in Template.Resources.Where(resource => resource.Type == "AWS::CloudWatch::Alarm"))
        {
            Assert.Equal(["Ref:AlarmTopic"], Flatten(alarm.Properties["AlarmActions"]));
            Assert.Equal("notBreaching", Scalar(alarm.Properties, "TreatMissingData"));
        }
    }

    [Fact]
    public void The_dashboard_names_only_resources_and_parameters_that_exist()
    {
        // !Join ["", [pieces]]: one piece per service's metrics, so `dotnet new` can leave a service out.
        var join = (YamlSequenceNode)Template.Resource("OperationsDashboard").Properties["DashboardBody"];
        Assert.Equal("!Join", join.Tag.Value);
        Assert.Equal("", ((YamlScalarNode)join[0]).Value);
        var body = string.Concat(Flatten(join[1]).Select(piece => piece.StartsWith("Sub:", StringComparison.Ordinal) ? piece["Sub:".Length..] : piece));
        var json = JsonNode.Parse(body.Replace("${", "{", StringComparison.Ordinal))!; // valid JSON once placeholders are plain
        Assert.NotEmpty(json["widgets"]!.AsArray());

        var known = Template.Resources.Select(resource => resource.LogicalId).Concat(Parameters()).ToHashSet(StringComparer.Ordinal);
        var referenced = Placeholder().Matches(body).Select(match => match.Groups[1].Value.Split('.')[0]).Where(name => !name.StartsWith("AWS::", StringComparison.Ordinal)).ToHashSet();
        Assert.Empty(referenced.Except(known));
        foreach (var watched in Functions.Concat(Apis).Append("MetricsNamespace").Concat(Template.Tables.Select(table => table.LogicalId)))
        {
            Assert.Contains(watched, referenced);
        }
    }

    /// <summary>Each API's custom-domain resources: "Domain", "DomainMapping" or "DnsRecord" after the API's name.</summary>
    private static string[] OfEveryApi(params string[] suffixes) => [.. Apis.SelectMany(api => suffixes.Select(suffix => api + suffix))];

    public static TheoryData<string, string[], string[], string> Options => new()
    {
        {
            "{}",
            [],
            [
                "AlarmEmailSubscription", .. OfEveryApi("Domain", "DomainMapping", "DnsRecord"),
                "WebClientBucket", "WebClientBucketPolicy", "WebClientOriginAccessControl", "WebClientConfigFunction", "WebClientHeadersPolicy", "WebClientDistribution",
                //#if (IncludeUsers)
                "UsersApiWebAcl", "UsersApiWebAclAssociation",
                //#endif
            ],
            "Canary10Percent5Minutes"
        },
        {
            """{"EnableWebClient":"true","AlarmEmail":"ops@example.com","DomainName":"example.com","CertificateArn":"arn:aws:acm:us-east-1:123456789012:certificate/abc","HostedZoneId":"Z0123456789","DeploymentType":"Linear10PercentEvery1Minute"}"""
            //#if (IncludeUsers)
                .Replace("}", ""","EnableWaf":"true","MinimumCompressionSize":"1024"}""", StringComparison.Ordinal)
            //#endif
            ,
            [
                "AlarmEmailSubscription", .. OfEveryApi("Domain", "DomainMapping", "DnsRecord"),
                "WebClientBucket", "WebClientBucketPolicy", "WebClientOriginAccessControl", "WebClientConfigFunction", "WebClientHeadersPolicy", "WebClientDistribution",
                //#if (IncludeUsers)
                "UsersApiWebAcl", "UsersApiWebAclAssociation",
                //#endif
            ],
            [],
            "Linear10PercentEvery1Minute"
        },
        {
            """{"DomainName":"example.com","CertificateArn":"arn:aws:acm:us-east-1:123456789012:certificate/abc","DeploymentType":"AllAtOnce"}""",
            OfEveryApi("Domain", "DomainMapping"),
            [
                "AlarmEmailSubscription", .. OfEveryApi("DnsRecord"),
                //#if (IncludeUsers)
                "UsersApiWebAcl",
                //#endif
            ],
            "AllAtOnce"
        },
    };

    /// <summary>The SAM translator expands the template (defaults first) as `sam deploy` would.</summary>
    [Theory]
    [MemberData(nameof(Options))]
    public async Task The_translator_expands_each_option_set_and_optional_resources_follow_their_parameters(
        string parameters, string[] present, string[] absent, string deploymentType)
    {
        var (exitCode, output) = await Tools.RunAsync("python3", "-c", TranslateScript, RepositoryLayout.Template, parameters);

        Assert.True(exitCode == 0, output);
        var result = JsonNode.Parse(output.Split('\n').Last(line => line.StartsWith('{')))!;
        var resources = result["resources"]!.AsArray().Select(node => node!.GetValue<string>()).ToHashSet();
        Assert.All(present, logicalId => Assert.Contains(logicalId, resources));
        Assert.All(absent, logicalId => Assert.DoesNotContain(logicalId, resources));
        var configs = result["deploymentConfigs"]!.AsArray().Select(node => node!.GetValue<string>()).ToList();
        Assert.Equal(Functions.Length, configs.Count);
        Assert.All(configs, config => Assert.Equal("CodeDeployDefault.Lambda" + deploymentType, config));
        Assert.Equal(parameters.Contains("MinimumCompressionSize", StringComparison.Ordinal), result["compression"]!.GetValue<bool>()); // Users' REST API only
    }

    public static TheoryData<string, string, bool> ColdStartOptions => new()
    {
        { "{}", "dotnet10", false },
        { """{"EnableSnapStart":"true"}""", "dotnet10", true },
        { """{"NativeAot":"true"}""", "provided.al2023", false },
        { """{"NativeAot":"true","EnableSnapStart":"true"}""", "provided.al2023", false }, // SnapStart is for managed runtimes
    };

    /// <summary>
    /// NativeAot picks the runtime and handler of every function (the AOT executable is always "bootstrap"),
    /// SnapStart applies to published versions of the managed build only, and every function stays on arm64.
    /// </summary>
    [Theory]
    [MemberData(nameof(ColdStartOptions))]
    public async Task NativeAot_and_SnapStart_choose_runtime_handler_and_snapshots_for_every_function(string parameters, string runtime, bool snapStart)
    {
        var (exitCode, output) = await Tools.RunAsync("python3", "-c", TranslateScript, RepositoryLayout.Template, parameters);

        Assert.True(exitCode == 0, output);
        var functions = JsonNode.Parse(output.Split('\n').Last(line => line.StartsWith('{')))!["functions"]!.AsObject();
        Assert.Equal(Template.Resources.Count(resource => resource.Type == "AWS::Serverless::Function"), functions.Count);
        foreach (var (name, function) in functions)
        {
            Assert.Equal(runtime, function!["Runtime"]!.GetValue<string>());
            Assert.Equal("arm64", function["Architectures"]![0]!.GetValue<string>());
            var handler = function["Handler"]!.GetValue<string>();
            Assert.Equal(runtime == "dotnet10" ? AssemblyName(Template.Resource(name)) : "bootstrap", handler);
            Assert.Equal(snapStart ? "PublishedVersions" : null, function["SnapStart"]?["ApplyOn"]?.GetValue<string>());
        }
    }

    //#if (IncludeChat)
    /// <summary>
    /// A batch of new messages the fan-out gives up on (retries spent, or older than its maximum age) is not dropped
    /// silently: its stream position goes to a queue of its own, encrypted and TLS-only, that only the fan-out may
    /// write to (SAM's grant, checked after the transform) and that an alarm watches.
    /// </summary>
    [Fact]
    public async Task The_chat_fanouts_abandoned_batches_go_to_a_queue_only_it_may_write_to_and_an_alarm_watches_it()
    {
        var (exitCode, output) = await Tools.RunAsync("python3", "-c", TranslateScript, RepositoryLayout.Template, "{}");

        Assert.True(exitCode == 0, output);
        var result = JsonNode.Parse(output.Split('\n').Last(line => line.StartsWith('{')))!;
        var destination = Assert.Single(result["failureDestinations"]!.AsObject());
        Assert.Equal(("ChatFanoutFunctionNewMessages", "ChatFanoutFailuresQueue"), (destination.Key, destination.Value!.GetValue<string>()));
        var writers = Assert.Single(result["sqsGrants"]!.AsObject());
        Assert.Equal("ChatFanoutFunctionRole", writers.Key);
        Assert.Equal(["Allow sqs:SendMessage ChatFanoutFailuresQueue"], writers.Value!.AsArray().Select(grant => grant!.GetValue<string>()));

        var queue = Template.Resource("ChatFanoutFailuresQueue");
        Assert.Equal("AWS::SQS::Queue", queue.Type);
        Assert.Equal("true", Scalar(queue.Properties, "SqsManagedSseEnabled"));
        var policy = Template.Resource("ChatFanoutFailuresQueuePolicy").Properties;
        Assert.Equal(["Ref:ChatFanoutFailuresQueue"], Flatten(policy["Queues"]));
        var statement = (YamlMappingNode)Assert.Single((YamlSequenceNode)((YamlMappingNode)policy["PolicyDocument"])["Statement"]);
        Assert.Equal("Deny", Scalar(statement, "Effect"));
        var secureTransport = (YamlMappingNode)((YamlMappingNode)statement["Condition"])["Bool"];
        Assert.Equal("false", Scalar(secureTransport, "aws:SecureTransport")); // no request without TLS
        Assert.Equal(["*"], Flatten(statement["Principal"]));

        var alarm = Alarm("ChatFanoutFailuresAlarm");
        Assert.Equal(("AWS/SQS", "ApproximateNumberOfMessagesVisible"), (Scalar(alarm, "Namespace"), Scalar(alarm, "MetricName")));
        Assert.Equal(["QueueName", "GetAtt:ChatFanoutFailuresQueue.QueueName"], Flatten(alarm["Dimensions"]));
        Assert.Equal(("0", "GreaterThanThreshold"), (Scalar(alarm, "Threshold"), Scalar(alarm, "ComparisonOperator")));
    }
    //#endif

    /// <summary>Every function is built by SAM's .NET workflow (`dotnet lambda package`), whichever runtime it gets.</summary>
    [Fact]
    public void Every_function_is_built_with_the_dotnet_build_method()
    {
        foreach (var function in Template.Resources.Where(resource => resource.Type == "AWS::Serverless::Function"))
        {
            Assert.Equal("dotnet7", Scalar((YamlMappingNode)function.Body["Metadata"], "BuildMethod"));
        }
    }

    /// <summary>The managed runtime's handler for an executable assembly is its name: the AssemblyName of the CodeUri's project.</summary>
    private static string AssemblyName(TemplateResource function)
    {
        var directory = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(RepositoryLayout.Template)!, Scalar(function.Properties, "CodeUri")!));
        var project = System.Xml.Linq.XDocument.Load(Directory.GetFiles(directory, "*.csproj").Single());
        return project.Descendants("AssemblyName").Single(element => element.Attribute("Condition") is null).Value;
    }

    /// <summary>The SAM transform (<see cref="Tools.SamTransform"/>), then what would be created, as JSON.</summary>
    private const string TranslateScript = Tools.SamTransform + """
        created = [name for name, r in out["Resources"].items() if "Condition" not in r or holds(conditions[r["Condition"]])]
        configs = []
        for r in out["Resources"].values():
            if r["Type"] == "AWS::CodeDeploy::DeploymentGroup":
                name = r["Properties"]["DeploymentConfigName"]
                configs.append(name["Fn::Sub"][0].replace("${ConfigName}", name["Fn::Sub"][1]["ConfigName"]) if isinstance(name, dict) else name)
        rests = [r for r in out["Resources"].values() if r["Type"] == "AWS::ApiGateway::RestApi"]
        compression = rests[0]["Properties"].get("MinimumCompressionSize") if rests else None
        functions = {name: {key: chosen(r["Properties"].get(key)) for key in ["Runtime", "Handler", "SnapStart", "Architectures"]}
                     for name, r in out["Resources"].items() if r["Type"] == "AWS::Lambda::Function"}
        def target(node):
            if isinstance(node, dict) and "Fn::GetAtt" in node: return node["Fn::GetAtt"][0]
            if isinstance(node, dict) and "Ref" in node: return node["Ref"]
            return str(node)
        destinations = {name: target(r["Properties"]["DestinationConfig"]["OnFailure"]["Destination"])
                        for name, r in out["Resources"].items()
                        if r["Type"] == "AWS::Lambda::EventSourceMapping" and "DestinationConfig" in r["Properties"]}
        sqs = {}
        for name, r in out["Resources"].items():
            if r["Type"] != "AWS::IAM::Role": continue
            for policy in r["Properties"].get("Policies", []):
                for statement in policy["PolicyDocument"]["Statement"]:
                    actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
                    resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
                    sqs.setdefault(name, []).extend(f"{statement['Effect']} {a} {target(res)}" for a in actions if a.startswith("sqs:") for res in resources)
        sqs = {name: grants for name, grants in sqs.items() if grants}
        print(json.dumps({"resources": created, "deploymentConfigs": configs, "compression": compression is not None and holds(conditions[compression["Fn::If"][0]]), "functions": functions,
                          "failureDestinations": destinations, "sqsGrants": sqs}))
        """;

    private static YamlMappingNode Alarm(string logicalId)
    {
        var resource = Template.Resource(logicalId);
        Assert.Equal("AWS::CloudWatch::Alarm", resource.Type);
        return resource.Properties;
    }

    private static IEnumerable<string> Parameters()
    {
        return ((YamlMappingNode)SamTemplate.LoadRoot()["Parameters"]).Children.Keys.Select(key => ((YamlScalarNode)key).Value!);
    }

    private static string? Scalar(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(key, out var value) ? ((YamlScalarNode)value).Value : null;

    /// <summary>Scalars of a node, tags kept as a prefix ("Ref:AlarmTopic", "Sub:...").</summary>
    private static List<string> Flatten(YamlNode node) => node switch
    {
        YamlScalarNode scalar => [(scalar.Tag.IsEmpty ? "" : scalar.Tag.Value.TrimStart('!') + ":") + scalar.Value],
        YamlSequenceNode sequence => [.. sequence.SelectMany(Flatten)],
        YamlMappingNode mapping => [.. mapping.Children.Values.SelectMany(Flatten)],
        _ => [],
    };

    [GeneratedRegex(@"\$\{([A-Za-z0-9:.]+)\}")]
    private static partial Regex Placeholder();
}
