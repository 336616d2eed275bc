using System.Text.RegularExpressions;

namespace Samples.LocalDev;

/// <summary>
/// `make new-service NAME=Orders`: a service shaped like Products, the reference service, made by copying it and
/// renaming what it calls itself (Products, Product, products, product). It writes the project and its tests, its
/// section of infra/template.yaml and its entries in what every service shares there (the alarm and hook loops, the
/// dashboard, the browser client's CloudFront route, the outputs), its place in the solution, the local stack and
/// `make demo`. Copying the living service rather than a separate template means the new one starts with every
/// behaviour and test Products has today, and never from a copy that drifted.
/// </summary>
public sealed partial class NewService
{
    private const string Model = "Products";
    private const string ModelSingular = "Product";

    private readonly string root;
    private readonly string plural;
    private readonly string singular;
    private readonly TextWriter output;

    private NewService(string root, string plural, string singular, TextWriter output) =>
        (this.root, this.plural, this.singular, this.output) = (root, plural, singular, output);

    /// <summary>Checks the name, then writes the service. Every check runs before the first file is written.</summary>
    public static int Run(string root, string? name, string? singular, TextWriter output)
    {
        if (name is null || !PascalCase().IsMatch(name) || !name.EndsWith('s') || name.Length < 3)
        {
            throw new InvalidOperationException("NAME must be a plural PascalCase word ending in s, like NAME=Orders (SINGULAR=Order by default).");
        }

        singular ??= name[..^1];
        if (!PascalCase().IsMatch(singular) || singular == name)
        {
            throw new InvalidOperationException($"SINGULAR must be a PascalCase word other than {name}.");
        }

        var service = new NewService(root, name, singular, output);
        foreach (var path in new[] { $"services/{name}", $"tests/{name}.Tests" })
        {
            if (Directory.Exists(Path.Combine(root, path)))
            {
                throw new InvalidOperationException($"{path} exists already.");
            }
        }

        if (TemplateSections.Section(service.ReadLines("infra/template.yaml"), name) is not null)
        {
            throw new InvalidOperationException($"infra/template.yaml has a {name} section already.");
        }

        service.Create();
        return 0;
    }

    private void Create()
    {
        var port = NextPort();
        CopyProject("services/Products", $"services/{plural}", port);
        CopyProject("tests/Products.Tests", $"tests/{plural}.Tests", port);
        AddToSolution();
        AddToTemplate();
        AddToLocalStack(port);
        AddToDemo();

        output.WriteLine($"""
            Added {plural}, shaped like Products:
              services/{plural}/            the function: Program.cs, {plural}Api.cs, {singular}.cs, {singular}Repository.cs, {plural}.http
              tests/{plural}.Tests/         its tests (API, auth, validation, paging, hostile input, safe retries, Lambda runtime)
              infra/template.yaml        its section ({plural}Function, {plural}Api, {plural}Table, logs, alarms, custom domain) and its
                                         entries in the alarm and hook loops, the dashboard, the CloudFront route and the outputs
              Samples.sln, tools/LocalDev   its projects, `make run` (port {port}) and `make demo`

            Next: edit {singular}.cs (the fields), {singular}Repository.cs (their attributes) and the tests' valid bodies, then
            `make test`. docs/add-a-service.md explains each piece.
            """);
    }

    /// <summary>The next free hundred after the local stack's highest port (Products 5100, Users 5200, Chat 5300...).</summary>
    private int NextPort()
    {
        var ports = PortOfService().Matches(ReadText("tools/LocalDev/LocalStack.cs")).Select(match => int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
        return ((ports.Max() / 100) + 1) * 100;
    }

    private void CopyProject(string from, string to, int port)
    {
        foreach (var source in Directory.EnumerateFiles(Path.Combine(root, from), "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(Path.Combine(root, from), source);
            if (relative.Split(Path.DirectorySeparatorChar).Any(part => part is "bin" or "obj"))
            {
                continue;
            }

            var text = File.ReadAllText(source);
            // Products' fixture is also compiled into the shared code's tests (ServiceDefaults.Tests); the copy's is its own.
            text = string.Join('\n', text.Split('\n').Where(line => !line.Contains("ServiceDefaults.Tests", StringComparison.Ordinal)));
            text = Rename(text).Replace("localhost:5100", $"localhost:{port}", StringComparison.Ordinal);
            var target = Path.Combine(root, to, Rename(relative));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.WriteAllText(target, text);
        }

        output.WriteLine($"  wrote {to}/");
    }

    /// <summary>
    /// Each solution line naming a Products project (its Project entry, build configurations and folder) gets a copy for
    /// the new one after it, with a new project GUID. Editing the text keeps the lines `dotnet sln add` would drop.
    /// </summary>
    private void AddToSolution()
    {
        var lines = ReadLines("Samples.sln").ToList();
        foreach (var project in new[] { Model, $"{Model}.Tests" })
        {
            var entry = lines.FindIndex(line => line.StartsWith("Project(", StringComparison.Ordinal) && line.Contains($"\"{project}\",", StringComparison.Ordinal));
            var guid = ProjectGuid().Match(lines[entry]).Groups[1].Value;
            var newGuid = Guid.NewGuid().ToString("D").ToUpperInvariant();
            for (var index = lines.Count - 1; index >= 0; index--)
            {
                if (!lines[index].Contains(guid, StringComparison.Ordinal))
                {
                    continue;
                }

                var copy = Rename(lines[index]).Replace(guid, newGuid, StringComparison.Ordinal);
                lines.InsertRange(index == entry ? index + 2 : index + 1, index == entry ? [copy, "EndProject"] : [copy]);
            }
        }

        WriteLines("Samples.sln", lines);
    }

    /// <summary>Products' section, renamed, after it; and each entry naming Products in the shared part, renamed, after that entry.</summary>
    private void AddToTemplate()
    {
        var lines = ReadLines("infra/template.yaml").ToList();
        foreach (var (start, end) in TemplateSections.SharedEntries(lines, Model).Reverse())
        {
            // A dashboard metric line follows another in the same widget's list, so the copy starts with a comma.
            var entry = lines.GetRange(start, end - start).Select(line => Rename(line).Replace("- !Sub '[", "- !Sub ',[", StringComparison.Ordinal)).ToList();
            lines.InsertRange(end, entry);
        }

        var (sectionStart, sectionEnd) = TemplateSections.Section(lines, Model)
            ?? throw new InvalidOperationException("infra/template.yaml has no Products section to copy.");
        var section = lines.GetRange(sectionStart, sectionEnd - sectionStart).Select(Rename).ToList();
        section[0] = $"{section[0]} {TemplateSections.GeneratedMark}";
        lines.InsertRange(sectionEnd, section);
        WriteLines("infra/template.yaml", lines);
        output.WriteLine($"  added the {plural} section to infra/template.yaml");
    }

    private void AddToLocalStack(int port)
    {
        var lines = ReadLines("tools/LocalDev/LocalStack.cs").ToList();
        var products = lines.FindIndex(line => PortOfService().IsMatch(line) && line.Contains($"\"{Model}\"", StringComparison.Ordinal));
        lines.Insert(products + 1, PortOfService().Replace(Rename(lines[products]), match => match.Value.Replace(match.Groups[1].Value, port.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal)));
        WriteLines("tools/LocalDev/LocalStack.cs", lines);
    }

    /// <summary>`make demo` walks the new service as it walks Products: its walk and its check, renamed, and a call to it.</summary>
    private void AddToDemo()
    {
        var lines = ReadLines("tools/LocalDev/Demo.cs").ToList();
        for (var index = lines.Count - 1; index >= 0; index--)
        {
            if (DemoMember().IsMatch(lines[index]))
            {
                var end = lines.FindIndex(index, line => line == "    }");
                lines.InsertRange(end + 1, ["", .. lines.GetRange(index, end - index + 1).Select(Rename)]);
            }
            else if (lines[index].Trim() == $"await {Model}Async(adminToken, memberToken, cancellationToken);")
            {
                lines.Insert(index + 1, Rename(lines[index]));
            }
        }

        WriteLines("tools/LocalDev/Demo.cs", lines);
    }

    private string Rename(string text) => text
        .Replace(Model, plural, StringComparison.Ordinal)
        .Replace(Model.ToLowerInvariant(), plural.ToLowerInvariant(), StringComparison.Ordinal)
        .Replace(Model.ToUpperInvariant(), plural.ToUpperInvariant(), StringComparison.Ordinal)
        .Replace(ModelSingular, singular, StringComparison.Ordinal)
        .Replace(ModelSingular.ToLowerInvariant(), Camel(singular), StringComparison.Ordinal);

    private static string Camel(string name) => char.ToLowerInvariant(name[0]) + name[1..];

    private string ReadText(string path) => File.ReadAllText(Path.Combine(root, path));

    private string[] ReadLines(string path) => ReadText(path).Split('\n');

    private void WriteLines(string path, IEnumerable<string> lines) => File.WriteAllText(Path.Combine(root, path), string.Join('\n', lines));

    [GeneratedRegex(@"^[A-Z][a-z0-9]+(?:[A-Z][a-z0-9]+)*\z")]
    private static partial Regex PascalCase();

    /// <summary>A service of the local stack: <c>new("products", "Products", 5100, ...</c>.</summary>
    [GeneratedRegex(@"new\(""[a-z0-9-]+"", ""[A-Za-z0-9]+"", (\d{4}),")]
    private static partial Regex PortOfService();

    [GeneratedRegex(@"\{([0-9A-F-]{36})\}""\s*\z")]
    private static partial Regex ProjectGuid();

    /// <summary>Demo's members about Products: its walk (ProductsAsync) and its check (IsProductAsync).</summary>
    [GeneratedRegex(@"^    private (static )?async Task(<bool>)? (Is)?Products?Async\(")]
    private static partial Regex DemoMember();
}
