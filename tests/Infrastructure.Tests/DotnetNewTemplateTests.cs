using System.Text.RegularExpressions;
using Samples.StandIns;
using Samples.Testing;

namespace Samples.Infrastructure.Tests;

/// <summary>
/// The repository is a `dotnet new` template package: packed and installed into a temporary hive, it gives a
/// renamed copy (namespaces, solution, project-name prefixes, stack name). Left as they are, the options give
/// this repository renamed; `--IncludeChat false` or `--IncludeUsers false` leave that service out, and each
/// such copy builds and passes its own template tests (cfn-lint, the SAM transform, the resource rules).
/// </summary>
[Collection(RepositoryCopies.Name)]
public sealed partial class DotnetNewTemplateTests : IAsyncLifetime
{
    private readonly DirectoryInfo work = Directory.CreateTempSubdirectory("dotnet-new-");

    private string Hive => Path.Combine(work.FullName, "hive");

    public async ValueTask InitializeAsync()
    {
        var packages = Path.Combine(work.FullName, "packages");
        await Succeeds("dotnet", "pack", Path.Combine(RepositoryLayout.Root, "template", "ServerlessSamples.Templates.csproj"), "-c", "Release", "-o", packages, "--nologo");
        var package = Directory.GetFiles(packages, "ServerlessSamples.Templates.*.nupkg").Single();
        await Succeeds("dotnet", "new", "install", package, "--debug:custom-hive", Hive);
    }

    public ValueTask DisposeAsync()
    {
        work.Delete(recursive: true);
        return ValueTask.CompletedTask;
    }

    [Fact]
    public async Task By_default_the_copy_is_this_repository_renamed_with_every_file_and_no_template_directive_left()
    {
        var output = await InstantiateAsync("everything");

        Assert.True(File.Exists(Path.Combine(output, "Acme.Shop.sln")));
        Assert.False(File.Exists(Path.Combine(output, "Samples.sln")));
        Assert.Contains("namespace Acme.Shop.Products;", await Read(output, "services", "Products", "ProductsApi.cs"));
        Assert.Contains("stack_name = \"acme-shop\"", await Read(output, "samconfig.toml"));
        Assert.Contains("Acme.Shop.sln", await Read(output, "Makefile"));
        Assert.False(Directory.Exists(Path.Combine(output, "template")));
        Assert.False(Directory.Exists(Path.Combine(output, "node_modules")));

        // Every file of the repository (tracked, or new and not ignored) is there, renamed, but the template's own.
        var (_, tracked) = await Tools.RunAsync("git", "-C", RepositoryLayout.Root, "ls-files", "--cached", "--others", "--exclude-standard");
        var expected = tracked.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Where(path => !path.StartsWith("template/", StringComparison.Ordinal) && !path.StartsWith(".template.config/", StringComparison.Ordinal))
            .Where(path => path != "tests/Infrastructure.Tests/DotnetNewTemplateTests.cs" && File.Exists(Path.Combine(RepositoryLayout.Root, path)))
            .Select(path => path.Replace("Samples", "Acme.Shop", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal);
        Assert.Equal(expected, Files(output).Order(StringComparer.Ordinal));

        // A file the template has no directive in is copied whole (renamed inside, never cut short: the engine takes
        // an `#if` anywhere in a C# line for its own).
        foreach (var file in Files(output))
        {
            var source = await File.ReadAllTextAsync(Path.Combine(RepositoryLayout.Root, file.Replace("Acme.Shop", "Samples", StringComparison.Ordinal)), TestContext.Current.CancellationToken);
            var copy = await File.ReadAllTextAsync(Path.Combine(output, file), TestContext.Current.CancellationToken);
            if (!TemplateDirective().IsMatch(source))
            {
                Assert.True(source.Split('\n').Length == copy.Split('\n').Length, $"{file}: {source.Split('\n').Length} lines in the repository, {copy.Split('\n').Length} in the copy");
            }

        }

        await AssertNoTemplateDirectivesAsync(output);
    }

    [Theory]
    [InlineData("Chat", new[] { "services/Chat", "tests/Chat.Tests" }, new[] { "ChatApi", "ConnectionsTable", "MessagesTable", "ChatFanoutFunction", "ChatFunctionPreTrafficHook" })]
    [InlineData("Users", new[] { "services/Users", "tests/Users.Tests" }, new[] { "UsersApi", "UsersTable", "UsersApiWebAcl", "EnableWaf" })]
    public async Task A_copy_without_a_service_has_none_of_it_builds_and_passes_its_template_tests(string service, string[] folders, string[] templateNames)
    {
        var output = await InstantiateAsync("without-" + service.ToLowerInvariant(), $"--Include{service}", "false");

        Assert.All(folders, folder => Assert.False(Directory.Exists(Path.Combine(output, folder)), folder));
        var template = await Read(output, "infra", "template.yaml");
        Assert.All(templateNames, name => Assert.DoesNotMatch($@"\b{name}\b", template));
        var solution = await Read(output, "Acme.Shop.sln");
        Assert.DoesNotContain(service + ".Tests", solution);
        Assert.All(["Products.Tests", "Infrastructure.Tests", "DeploymentHooks", "Acme.Shop.Testing"], project => Assert.Contains(project, solution));
        await AssertNoTemplateDirectivesAsync(output);

        await Succeeds("dotnet", "build", Path.Combine(output, "Acme.Shop.sln"), "-c", "Release", "--nologo", "-v", "quiet");
        // The copy's tests run its functions under the Lambda runtime too, against this run's DynamoDB Local, and its
        // make-run keeper tests start this repository's jar (a copy has no node_modules of its own).
        var environment = new Dictionary<string, string> { ["DYNAMODB_ENDPOINT"] = await DynamoDbEndpoint.UrlAsync(), ["DYNAMODB_LOCAL_JAR"] = DynamoDbLocal.FindJar()! };
        var (exitCode, log) = await Tools.RunAsync("dotnet", environment,
            "test", Path.Combine(output, "tests", "Infrastructure.Tests"), "-c", "Release", "--no-build", "--nologo",
            "--filter", "FullyQualifiedName!~NewServiceTests"); // make new-service has its own test, on this repository's copy
        Assert.True(exitCode == 0, $"dotnet test of the copy's Infrastructure.Tests exited {exitCode}:\n{log[^Math.Min(log.Length, 4000)..]}");
        await Succeeds("cfn-lint", Path.Combine(output, "infra", "template.yaml"));
    }

    /// <summary>A copy with Products alone (no Users, no Chat) grows a service with `make new-service` as this repository does.</summary>
    [Fact]
    public async Task A_copy_with_products_alone_adds_a_service_with_make_new_service()
    {
        var output = await InstantiateAsync("products-alone", "--IncludeUsers", "false", "--IncludeChat", "false");

        await NewServiceTests.AddsAServiceThatPassesItsTestsAsync(output, "Acme.Shop.sln");
    }

    private async Task<string> InstantiateAsync(string name, params string[] options)
    {
        var output = Path.Combine(work.FullName, name);
        await Succeeds("dotnet", ["new", "serverless-samples", "-n", "Acme.Shop", "-o", output, "--debug:custom-hive", Hive, .. options]);
        return output;
    }

    private static async Task AssertNoTemplateDirectivesAsync(string output)
    {
        foreach (var file in Files(output))
        {
            var text = await File.ReadAllTextAsync(Path.Combine(output, file), TestContext.Current.CancellationToken);
            Assert.False(TemplateDirective().IsMatch(text), $"{file} still has a template directive: {TemplateDirective().Match(text).Value}");
            Assert.False(text.Contains("namespace Samples", StringComparison.Ordinal) || text.Contains("using Samples", StringComparison.Ordinal), $"{file} still names Samples");
        }
    }

    private static IEnumerable<string> Files(string root) =>
        Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories)
            .Select(path => Path.GetRelativePath(root, path).Replace('\\', '/'))
            .Where(path => !path.Split('/').Any(part => part is "bin" or "obj"));

    private static Task<string> Read(params string[] path) => File.ReadAllTextAsync(Path.Combine(path), TestContext.Current.CancellationToken);

    private static async Task Succeeds(string command, params string[] arguments)
    {
        var (exitCode, output) = await Tools.RunAsync(command, arguments);
        Assert.True(exitCode == 0, $"{command} {string.Join(' ', arguments)} exited {exitCode}:\n{output[^Math.Min(output.Length, 4000)..]}");
    }

    /// <summary>What the template engine acts on: `#if (Include…)` in any comment style, and the noEmit markers.</summary>
    [GeneratedRegex(@"#(if|elseif|else|endif)\b.*Include|^\s*(//|#|<!--)#(else|endif)\b|:cnd:noEmit", RegexOptions.Multiline)]
    private static partial Regex TemplateDirective();
}
