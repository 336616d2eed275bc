using Samples.StandIns;

namespace Samples.Infrastructure.Tests;

/// <summary>
/// make deploy's upload step (tools/deploy-web.sh) against a recording stand-in for the AWS CLI: it reads the stack's
/// outputs, syncs web/ (never a config.json) to the bucket and invalidates the distribution; without a web client it
/// does nothing.
/// </summary>
public sealed class DeployWebTests : IDisposable
{
    private readonly DirectoryInfo bin = Directory.CreateTempSubdirectory("fake-aws-");

    [Fact]
    public async Task With_a_web_client_it_syncs_web_to_the_stacks_bucket_and_invalidates_its_distribution()
    {
        var calls = await DeployAsync(new() { ["WebClientBucketName"] = "samples-web-1", ["WebClientDistributionId"] = "E2EXAMPLE", ["WebClientUrl"] = "https://d111.cloudfront.net/" });

        Assert.Contains(calls, call => call.StartsWith("cloudformation describe-stacks --stack-name samples-stack", StringComparison.Ordinal));
        Assert.Contains("s3 sync web/ s3://samples-web-1/ --delete --exclude config.json --cache-control no-cache", calls);
        Assert.Contains("cloudfront create-invalidation --distribution-id E2EXAMPLE --paths /* --query Invalidation.Id --output text", calls);
    }

    [Fact]
    public async Task Without_a_web_client_it_uploads_nothing()
    {
        var calls = await DeployAsync([]);

        Assert.DoesNotContain(calls, call => call.StartsWith("s3 ", StringComparison.Ordinal) || call.StartsWith("cloudfront ", StringComparison.Ordinal));
    }

    /// <summary>Runs the script with an `aws` that records its arguments and answers describe-stacks from <paramref name="outputs"/> ("None" when absent, as the CLI does).</summary>
    private async Task<string[]> DeployAsync(Dictionary<string, string> outputs)
    {
        var log = Path.Combine(bin.FullName, "calls.log");
        var answers = string.Join('\n', outputs.Select(output => $"  *\"'{output.Key}'\"*) echo {output.Value}; exit 0 ;;"));
        await File.WriteAllTextAsync(Path.Combine(bin.FullName, "aws"), $$"""
            #!/usr/bin/env bash
            echo "$*" >> '{{log}}'
            if [ "$1 $2" = "cloudformation describe-stacks" ]; then
              case "$*" in
            {{answers}}
              esac
              echo None
            fi
            """.Replace("\r", "", StringComparison.Ordinal), TestContext.Current.CancellationToken);
        await Tools.RunAsync("chmod", "+x", Path.Combine(bin.FullName, "aws"));

        var (exitCode, output) = await Tools.RunAsync("bash",
            new Dictionary<string, string> { ["PATH"] = $"{bin.FullName}:{Environment.GetEnvironmentVariable("PATH")}" },
            Path.Combine(RepositoryLayout.Root, "tools", "deploy-web.sh"), "samples-stack");

        Assert.True(exitCode == 0, output);
        return File.Exists(log) ? await File.ReadAllLinesAsync(log, TestContext.Current.CancellationToken) : [];
    }

    public void Dispose() => bin.Delete(recursive: true);
}
