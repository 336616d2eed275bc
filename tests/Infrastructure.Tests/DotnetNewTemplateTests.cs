using Samples.StandIns;

namespace Samples.Infrastructure.Tests;

/// <summary>
/// The repository is a `dotnet new` template package: packed, installed into a temporary hive and instantiated
/// as Acme.Shop, it gives a renamed solution (namespaces, solution, project-name prefixes, stack name) that
/// builds, and whose own template tests (cfn-lint, the SAM transform, the resource rules) pass.
/// </summary>
public sealed class DotnetNewTemplateTests
{
    [Fact]
    public async Task The_template_instantiates_a_renamed_solution_that_builds_and_passes_its_template_tests()
    {
        var work = Directory.CreateTempSubdirectory("dotnet-new-");
        try
        {
            var (packages, hive, output) = (Path.Combine(work.FullName, "packages"), Path.Combine(work.FullName, "hive"), Path.Combine(work.FullName, "acme-shop"));
            await Succeeds("dotnet", "pack", Path.Combine(RepositoryLayout.Root, "template", "ServerlessSamples.Templates.csproj"), "-c", "Release", "-o", packages, "--nologo");
            var package = Directory.GetFiles(packages, "ServerlessSamples.Templates.*.nupkg").Single();
            await Succeeds("dotnet", "new", "install", package, "--debug:custom-hive", hive);
            await Succeeds("dotnet", "new", "serverless-samples", "-n", "Acme.Shop", "-o", output, "--debug:custom-hive", hive);

            // Renamed: the solution, namespaces, project-name prefixes and the stack (which prefixes table names).
            Assert.True(File.Exists(Path.Combine(output, "Acme.Shop.sln")));
            Assert.False(File.Exists(Path.Combine(output, "Samples.sln")));
            Assert.True(File.Exists(Path.Combine(output, "tests", "Acme.Shop.Testing", "Acme.Shop.Testing.csproj")));
            Assert.Contains("namespace Acme.Shop.Products;", await File.ReadAllTextAsync(Path.Combine(output, "services", "Products", "ProductsApi.cs"), TestContext.Current.CancellationToken));
            Assert.Contains("stack_name = \"acme-shop\"", await File.ReadAllTextAsync(Path.Combine(output, "samconfig.toml"), TestContext.Current.CancellationToken));
            Assert.Contains("Acme.Shop.sln", await File.ReadAllTextAsync(Path.Combine(output, "Makefile"), TestContext.Current.CancellationToken));
            var leftovers = Directory.EnumerateFiles(output, "*.cs", SearchOption.AllDirectories)
                .Where(file => File.ReadLines(file).Any(line => line.StartsWith("namespace Samples", StringComparison.Ordinal) || line.StartsWith("using Samples", StringComparison.Ordinal)))
                .ToList();
            Assert.Empty(leftovers);
            Assert.False(Directory.Exists(Path.Combine(output, "template")));
            Assert.False(Directory.Exists(Path.Combine(output, "node_modules")));

            var restricted = File.Exists(Path.Combine(RepositoryLayout.StateDirectory, "restricted-feed"))
                && (await File.ReadAllTextAsync(Path.Combine(RepositoryLayout.StateDirectory, "restricted-feed"), TestContext.Current.CancellationToken)).Trim() == "1";
            await Succeeds("dotnet", "build", Path.Combine(output, "Acme.Shop.sln"), "-c", "Release", $"-p:RestrictedFeed={(restricted ? "true" : "false")}", "--nologo", "-v", "quiet");
            await Succeeds("dotnet", "test", Path.Combine(output, "tests", "Infrastructure.Tests"), "-c", "Release", $"-p:RestrictedFeed={(restricted ? "true" : "false")}", "--no-build", "--nologo");
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    private static async Task Succeeds(string command, params string[] arguments)
    {
        var (exitCode, output) = await Tools.RunAsync(command, arguments);
        Assert.True(exitCode == 0, $"{command} {string.Join(' ', arguments)} exited {exitCode}:\n{output[^Math.Min(output.Length, 4000)..]}");
    }
}
