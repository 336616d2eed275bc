using System.Text.RegularExpressions;
using Samples.StandIns;
using YamlDotNet.RepresentationModel;

namespace Samples.Infrastructure.Tests;

/// <summary>The CI workflow a fork inherits: `sam build` on every change, with pinned tools and actions.</summary>
public sealed partial class WorkflowTests
{
    private static readonly string WorkflowFile = Path.Combine(RepositoryLayout.Root, ".github", "workflows", "ci.yml");

    [Fact]
    public void Every_action_is_pinned_to_a_commit()
    {
        var uses = File.ReadAllLines(WorkflowFile).Select(line => UsesLine().Match(line)).Where(match => match.Success).ToList();

        Assert.NotEmpty(uses);
        // GitHub's security hardening guide: a tag or branch can be moved to other code; a full commit SHA cannot.
        Assert.All(uses, use => Assert.Matches(PinnedAction(), use.Groups["action"].Value));
    }

    [Fact]
    public void Sam_build_runs_on_every_push_and_pull_request_with_a_pinned_amazon_lambda_tools()
    {
        var workflow = Load();
        var triggers = (YamlMappingNode)workflow["on"];
        Assert.Contains("push", triggers.Children.Keys.Select(key => key.ToString()));
        Assert.Contains("pull_request", triggers.Children.Keys.Select(key => key.ToString()));

        var jobs = ((YamlMappingNode)workflow["jobs"]).Children.Values.Cast<YamlMappingNode>();
        var samBuild = Assert.Single(jobs, job => Runs(job).Any(run => run.StartsWith("sam build", StringComparison.Ordinal)) && !job.Children.ContainsKey("if"));
        var install = Assert.Single(Runs(samBuild), run => run.Contains("tool install", StringComparison.Ordinal) && run.Contains("Amazon.Lambda.Tools", StringComparison.Ordinal));
        Assert.Contains("--version", install, StringComparison.Ordinal);
        Assert.Matches(@"^\d+\.\d+\.\d+\z", ((YamlScalarNode)((YamlMappingNode)workflow["env"])["AMAZON_LAMBDA_TOOLS_VERSION"]).Value!);
    }

    private static IEnumerable<string> Runs(YamlMappingNode job) =>
        ((YamlSequenceNode)job["steps"]).Children.Cast<YamlMappingNode>()
            .Where(step => step.Children.ContainsKey("run"))
            .Select(step => ((YamlScalarNode)step["run"]).Value!.Trim());

    private static YamlMappingNode Load()
    {
        using var reader = new StreamReader(WorkflowFile);
        var yaml = new YamlStream();
        yaml.Load(reader);
        return (YamlMappingNode)yaml.Documents[0].RootNode;
    }

    [GeneratedRegex(@"^\s*(-\s+)?uses:\s*(?<action>\S+)")]
    private static partial Regex UsesLine();

    [GeneratedRegex(@"^[A-Za-z0-9_.-]+/[A-Za-z0-9_./-]+@[0-9a-f]{40}\z")]
    private static partial Regex PinnedAction();
}
