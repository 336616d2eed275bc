using System.Text.Json;
using System.Xml.Linq;
using System.Xml.XPath;
using Samples.StandIns;
using YamlDotNet.RepresentationModel;

namespace Samples.Infrastructure.Tests;

/// <summary>
/// `sam build` as SAM runs it: for each function of the template, SAM's .NET builder runs Amazon.Lambda.Tools'
/// `dotnet lambda package` in the function's folder with `--function-architecture` and `--msbuild-parameters "--runtime
/// linux-…"`, and nothing else of ours. The tool then reads the framework from aws-lambda-tools-defaults.json, and
/// TargetFramework, PublishAot and SelfContained from the .csproj's own XML, because MSBuild refuses the evaluation it
/// asks for with SAM's parameters (services/Directory.Build.props). These tests read each folder as the tool does and
/// hold it to the template, whatever functions the template has.
/// </summary>
public sealed class SamBuildTests
{
    private static readonly YamlMappingNode Template = LoadTemplate();

    public static TheoryData<string> Functions() => [.. FunctionNodes().Select(function => function.LogicalId)];

    [Theory]
    [MemberData(nameof(Functions))]
    public void The_functions_folder_tells_amazon_lambda_tools_what_the_template_deploys(string logicalId)
    {
        var (folder, properties, metadata) = Function(logicalId);
        var projects = Directory.GetFiles(folder, "*.csproj");
        Assert.True(projects.Length == 1, $"{logicalId}: the tool packages a folder with exactly one .csproj; {folder} has {projects.Length}.");
        Assert.Equal("dotnet7", Scalar(metadata, "BuildMethod")); // SAM's `dotnet lambda package` workflow (the name is SAM's)

        var defaultsFile = Path.Combine(folder, "aws-lambda-tools-defaults.json");
        Assert.True(File.Exists(defaultsFile), $"{logicalId}: {Relative(folder)} has no aws-lambda-tools-defaults.json, where the tool takes the framework from.");
        using var defaults = JsonDocument.Parse(File.ReadAllText(defaultsFile));
        string Default(string key) => defaults.RootElement.TryGetProperty(key, out var value) ? value.GetString()! : throw new Xunit.Sdk.XunitException(
            $"{logicalId}: {Relative(defaultsFile)} has no \"{key}\".");

        // What the tool finds when MSBuild cannot evaluate the project: the first such element of the .csproj.
        var xml = XDocument.Load(projects[0]);
        string? Xml(string property) => xml.XPathSelectElement($"//PropertyGroup/{property}")?.Value;

        var (managedRuntime, architecture) = (Managed(Setting(properties, "Runtime")), Architecture(properties));
        Assert.Equal("Release", Default("configuration"));
        Assert.Equal("net" + managedRuntime["dotnet".Length..] + ".0", Default("framework"));
        Assert.Equal(Default("framework"), Xml("TargetFramework"));
        Assert.Equal(architecture, Default("function-architecture"));
        Assert.Equal(managedRuntime, Default("function-runtime"));
        Assert.Equal(Managed(Setting(properties, "Handler")), Default("function-handler"));
        Assert.Equal("bootstrap", NativeAot(Setting(properties, "Handler")));
        Assert.Equal("provided.al2023", NativeAot(Setting(properties, "Runtime")));
        Assert.Equal("Exe", Xml("OutputType")); // an executable assembly (architecture.md, "Lambda runtime facts")
        // Found "true" whatever its Condition: the tool then adds no --self-contained of its own (false would fail AOT).
        Assert.Equal("true", Xml("SelfContained"));
    }

    [Theory]
    [MemberData(nameof(Functions))]
    public async Task Msbuild_builds_each_function_as_the_template_runs_it_managed_and_native_aot(string logicalId)
    {
        var (folder, properties, _) = Function(logicalId);
        var project = Directory.GetFiles(folder, "*.csproj").Single();

        var managed = await EvaluateAsync(project, nativeAot: false);
        var native = await EvaluateAsync(project, nativeAot: true);

        Assert.Equal(Managed(Setting(properties, "Handler")), managed["AssemblyName"]);
        Assert.Equal(["", "false", "true"], new[] { managed["PublishAot"], managed["SelfContained"], managed["PublishReadyToRun"] });
        Assert.Equal("bootstrap", native["AssemblyName"]);
        Assert.Equal(["true", "true", "true"], new[] { native["PublishAot"], native["SelfContained"], native["StripSymbols"] });
        Assert.Equal(managed["TargetFramework"], native["TargetFramework"]);
    }

    [Fact]
    public void Sam_builds_one_function_at_a_time_in_every_configuration()
    {
        var samconfig = File.ReadAllLines(Path.Combine(RepositoryLayout.Root, "samconfig.toml"));
        var builds = samconfig.Select((line, index) => (line, index)).Where(entry => entry.line.StartsWith('[') && entry.line.TrimEnd().EndsWith(".build.parameters]", StringComparison.Ordinal)).ToList();

        Assert.NotEmpty(builds);
        Assert.All(builds, build =>
        {
            var section = samconfig.Skip(build.index + 1).TakeWhile(line => !line.StartsWith('[')).ToList();
            // The functions share ServiceDefaults and BuildingBlocks (and Chat's Chat.Rooms): parallel publishes collide on their outputs.
            Assert.Contains(section, line => line.Replace(" ", "", StringComparison.Ordinal).StartsWith("parallel=false", StringComparison.Ordinal));
        });
    }

    private static async Task<Dictionary<string, string>> EvaluateAsync(string project, bool nativeAot)
    {
        var environment = new Dictionary<string, string> { ["NativeAot"] = nativeAot ? "true" : "" };
        var (exitCode, output) = await Tools.RunAsync("dotnet", environment, "msbuild", project, "-nologo",
            "-getProperty:TargetFramework,AssemblyName,PublishAot,SelfContained,PublishReadyToRun,StripSymbols");
        Assert.True(exitCode == 0, output);
        using var json = JsonDocument.Parse(output.Trim());
        return json.RootElement.GetProperty("Properties").EnumerateObject().ToDictionary(property => property.Name, property => property.Value.GetString()!);
    }

    private static IEnumerable<(string LogicalId, YamlMappingNode Body)> FunctionNodes() =>
        ((YamlMappingNode)Template["Resources"]).Children
            .Select(pair => (((YamlScalarNode)pair.Key).Value!, (YamlMappingNode)pair.Value))
            .Where(resource => Scalar(resource.Item2, "Type") == "AWS::Serverless::Function");

    private static (string Folder, YamlMappingNode Properties, YamlMappingNode Metadata) Function(string logicalId)
    {
        var body = FunctionNodes().Single(function => function.LogicalId == logicalId).Body;
        var properties = (YamlMappingNode)body["Properties"];
        var folder = Path.GetFullPath(Path.Combine(RepositoryLayout.Root, "infra", Scalar(properties, "CodeUri")!));
        return (folder, properties, (YamlMappingNode)body["Metadata"]);
    }

    /// <summary>The function's own setting, else Globals.Function's.</summary>
    private static YamlNode Setting(YamlMappingNode properties, string name) =>
        properties.Children.TryGetValue(name, out var own) ? own
        : ((YamlMappingNode)((YamlMappingNode)Template["Globals"])["Function"]).Children.TryGetValue(name, out var global) ? global
        : throw new Xunit.Sdk.XunitException($"Neither the function nor Globals.Function sets {name}.");

    private static string Architecture(YamlMappingNode properties) =>
        ((YamlScalarNode)((YamlSequenceNode)Setting(properties, "Architectures")).Children.Single()).Value!;

    /// <summary>The value of <c>!If [NativeAotEnabled, aot, managed]</c> for the managed build.</summary>
    private static string Managed(YamlNode node) => NativeAotChoice(node, 2);

    private static string NativeAot(YamlNode node) => NativeAotChoice(node, 1);

    private static string NativeAotChoice(YamlNode node, int index)
    {
        var choice = Assert.IsType<YamlSequenceNode>(node);
        Assert.Equal("!If", choice.Tag.Value);
        Assert.Equal("NativeAotEnabled", ((YamlScalarNode)choice[0]).Value);
        return ((YamlScalarNode)choice[index]).Value!;
    }

    private static string? Scalar(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(key, out var value) ? ((YamlScalarNode)value).Value : null;

    private static string Relative(string path) => Path.GetRelativePath(RepositoryLayout.Root, path);

    private static YamlMappingNode LoadTemplate() => SamTemplate.LoadRoot();
}
