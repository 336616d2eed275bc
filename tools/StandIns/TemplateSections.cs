using System.Text.RegularExpressions;

namespace Samples.StandIns;

/// <summary>
/// infra/template.yaml as text, the way a reader sees it: one section per service under a header line
/// (<c># ====… Products (HTTP API, JWT authorizer)</c>), then what every service shares, where a service appears only as
/// single entries (a loop's list item, a dashboard metric line, a CloudFront origin, an output). `make new-service`
/// copies a service by these shapes and the template tests measure by them, so both read the file the same way.
/// </summary>
public static partial class TemplateSections
{
    /// <summary>What `make new-service` writes after a section's name in its header, so that it can be told apart.</summary>
    public const string GeneratedMark = "added by make new-service";

    /// <summary>The lines [start, end) of a service's section: its header up to the next header, `dotnet new` conditional or Outputs.</summary>
    public static (int Start, int End)? Section(IReadOnlyList<string> lines, string service)
    {
        var start = -1;
        for (var index = 0; index < lines.Count; index++)
        {
            if (start < 0 && SectionHeader().Match(lines[index]) is { Success: true } header && header.Groups[1].Value == service)
            {
                start = index;
            }
            else if (start >= 0 && (SectionRule().IsMatch(lines[index]) || Directive().IsMatch(lines[index]) || lines[index] == "Outputs:"))
            {
                return (start, index);
            }
        }

        return start < 0 ? null : (start, lines.Count);
    }

    /// <summary>The services whose section header carries <see cref="GeneratedMark"/>.</summary>
    public static IEnumerable<string> GeneratedServices(IReadOnlyList<string> lines) =>
        lines.Where(line => line.EndsWith(GeneratedMark, StringComparison.Ordinal) && SectionHeader().IsMatch(line))
            .Select(line => SectionHeader().Match(line).Groups[1].Value);

    /// <summary>
    /// The entries outside the service's own section that name it (its name, or its name in lower case): each a line
    /// and the more indented lines under it, as YAML nests them, comments left out.
    /// </summary>
    public static IEnumerable<(int Start, int End)> SharedEntries(IReadOnlyList<string> lines, string service)
    {
        var own = Section(lines, service);
        for (var index = 0; index < lines.Count; index++)
        {
            if (own is var (start, end) && index >= start && index < end)
            {
                continue;
            }

            var line = lines[index];
            if (line.TrimStart().StartsWith('#') || !Names(line, service))
            {
                continue;
            }

            var indent = Indent(line);
            var last = index + 1;
            while (last < lines.Count && lines[last].Trim().Length > 0 && Indent(lines[last]) > indent)
            {
                last++;
            }

            yield return (index, last);
            index = last - 1;
        }
    }

    private static bool Names(string line, string service) =>
        Regex.IsMatch(line, $@"(?<![A-Za-z]){service}(?![a-z])") || Regex.IsMatch(line, $@"(?<![A-Za-z]){service.ToLowerInvariant()}(?![a-z])");

    private static int Indent(string line) => line.Length - line.TrimStart().Length;

    [GeneratedRegex(@"^  # ={10,} ([A-Z][A-Za-z0-9]*) ")]
    private static partial Regex SectionHeader();

    /// <summary>Any section's header: a service's, or the shared part's ("shared by every service", "generated for...").</summary>
    [GeneratedRegex(@"^  # ={10,} ")]
    private static partial Regex SectionRule();

    /// <summary>A `dotnet new` conditional of the repository's template (a word right after the #, no space).</summary>
    [GeneratedRegex(@"^  #[a-z]+\b")]
    private static partial Regex Directive();
}
