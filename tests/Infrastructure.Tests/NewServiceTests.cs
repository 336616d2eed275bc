using Samples.StandIns;
using Samples.Testing;

namespace Samples.Infrastructure.Tests;

/// <summary>
/// `make new-service NAME=Orders` in a scratch copy of this repository, as a forker runs it: the copy then builds with
/// no warning, the new service's own tests pass, and so do the copy's template tests (which find the new function, API,
/// table, alarms, hook and .http file by themselves) and cfn-lint. The solution keeps its `dotnet new` lines.
/// </summary>
[Collection(RepositoryCopies.Name)]
public sealed class NewServiceTests : IAsyncLifetime
{
    private readonly DirectoryInfo work = Directory.CreateTempSubdirectory("new-service-");

    private string Copy => Path.Combine(work.FullName, "copy");

    public async ValueTask InitializeAsync()
    {
        // What a clone has: the tracked files and the new ones not ignored, without build outputs or local state.
        var (exitCode, files) = await Tools.RunAsync("git", "-C", RepositoryLayout.Root, "ls-files", "--cached", "--others", "--exclude-standard");
        Assert.Equal(0, exitCode);
        foreach (var file in files.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(file => File.Exists(Path.Combine(RepositoryLayout.Root, file))))
        {
            var target = Path.Combine(Copy, file);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(Path.Combine(RepositoryLayout.Root, file), target);
        }
    }

    public ValueTask DisposeAsync()
    {
        work.Delete(recursive: true);
        return ValueTask.CompletedTask;
    }

    [Fact]
    public async Task A_service_made_by_make_new_service_builds_and_passes_its_tests_and_the_template_tests_unedited() =>
        await AddsAServiceThatPassesItsTestsAsync(Copy, "Samples.sln");

    /// <summary>
    /// In <paramref name="root"/> (this repository's copy, or a `dotnet new` copy: DotnetNewTemplateTests), `make new-service
    /// NAME=Orders`, then the checks a forker relies on: the solution keeps its lines, the template has the new function,
    /// hook and routes, the copy builds with no warning, and the new service's tests, the template tests and cfn-lint pass.
    /// </summary>
    internal static async Task AddsAServiceThatPassesItsTestsAsync(string root, string solutionName)
    {
        var solution = Path.Combine(root, solutionName);
        var directives = File.ReadLines(solution).Count(line => line.StartsWith('#'));

        await Succeeds("make", NoEnvironment, "-C", root, "new-service", "NAME=Orders");

        Assert.True(File.Exists(Path.Combine(root, "services", "Orders", "OrdersApi.cs")));
        Assert.True(File.Exists(Path.Combine(root, "tests", "Orders.Tests", "OrdersApp.cs")));
        Assert.Equal(directives, File.ReadLines(solution).Count(line => line.StartsWith('#'))); // `dotnet sln add` would drop them
        var template = SamTemplate.Load(Path.Combine(root, "infra", "template.yaml"));
        Assert.Contains("OrdersFunction", template.ServiceFunctions.Select(function => function.LogicalId));
        Assert.Contains("OrdersFunctionPreTrafficHook", template.Resources.Select(resource => resource.LogicalId));
        Assert.Equal([new TemplateRoute("ListOrders", "GET", "/orders", "NONE")], template.HttpApiRoutes("OrdersFunction").Take(1));

        await Succeeds("dotnet", NoEnvironment, "build", solution, "-c", "Release", "--nologo", "-v", "quiet");
        // The copy's tests use this run's DynamoDB Local; its make-run keeper tests start this repository's jar.
        Dictionary<string, string> environment = new() { ["DYNAMODB_ENDPOINT"] = await DynamoDbEndpoint.UrlAsync(), ["DYNAMODB_LOCAL_JAR"] = DynamoDbLocal.FindJar()! };
        await Succeeds("dotnet", environment, "test", Path.Combine(root, "tests", "Orders.Tests"), "-c", "Release", "--no-build", "--nologo");
        await Succeeds("dotnet", environment, "test", Path.Combine(root, "tests", "Infrastructure.Tests"), "-c", "Release", "--no-build", "--nologo",
            "--filter", "FullyQualifiedName!~DotnetNewTemplateTests&FullyQualifiedName!~NewServiceTests");
        await Succeeds("cfn-lint", NoEnvironment, Path.Combine(root, "infra", "template.yaml"));
    }

    private static readonly Dictionary<string, string> NoEnvironment = [];

    private static async Task Succeeds(string command, IReadOnlyDictionary<string, string> environment, params string[] arguments)
    {
        var (exitCode, output) = await Tools.RunAsync(command, environment, arguments);
        Assert.True(exitCode == 0, $"{command} {string.Join(' ', arguments)} exited {exitCode}:\n{output[^Math.Min(output.Length, 4000)..]}");
    }
}

/// <summary>
/// The tests that build and test whole copies of the repository (make new-service, dotnet new): one at a time, after
/// the other tests of this project. Each copy's own tests start Lambda functions under the runtime and time their
/// answers; several copies building at once on CI's two cores starved them.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class RepositoryCopies
{
    public const string Name = "Copies of the repository";
}
