using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace Samples.StandIns;

/// <summary>
/// Expands the template's <c>Fn::ForEach</c> loops as the AWS::LanguageExtensions transform does before the SAM
/// transform, so that everything reading infra/template.yaml sees the resources CloudFormation creates. Within a loop's
/// fragment, <c>${Identifier}</c> and <c>&amp;{Identifier}</c> are replaced in keys and in <c>Fn::Sub</c> strings, and
/// <c>Ref: Identifier</c> becomes the value: the forms CloudFormation documents and cfn-lint resolves alike. A
/// <c>Fn::FindInMap</c> whose keys are literals then becomes its value, as CloudFormation resolves it.
/// </summary>
public static partial class LanguageExtensions
{
    private const string ForEachPrefix = "Fn::ForEach::";

    /// <summary>The root with every <c>Fn::ForEach</c> of its Resources, Conditions and Outputs expanded.</summary>
    public static YamlMappingNode Expand(YamlMappingNode root)
    {
        var mappings = root.Children.TryGetValue("Mappings", out var found) ? (YamlMappingNode)found : new YamlMappingNode();
        var expanded = new YamlMappingNode();
        foreach (var (key, value) in root.Children)
        {
            var section = ((YamlScalarNode)key).Value;
            expanded.Add(key, section is "Resources" or "Conditions" or "Outputs" ? Mapped(ExpandLoops((YamlMappingNode)value), mappings) : value);
        }

        return expanded;
    }

    private static YamlNode Mapped(YamlNode node, YamlMappingNode mappings) => node switch
    {
        YamlSequenceNode lookup when Tagged(lookup, "!FindInMap") && lookup.Children.All(key => key is YamlScalarNode { Tag.IsEmpty: true }) =>
            ((YamlMappingNode)((YamlMappingNode)mappings[lookup[0]])[lookup[1]])[lookup[2]],
        YamlSequenceNode sequence => new YamlSequenceNode(sequence.Children.Select(child => Mapped(child, mappings))) { Tag = sequence.Tag, Style = sequence.Style },
        YamlMappingNode mapping => Copy(mapping, (key, child) => (key, Mapped(child, mappings))),
        _ => node,
    };

    private static YamlMappingNode Copy(YamlMappingNode mapping, Func<YamlNode, YamlNode, (YamlNode Key, YamlNode Value)> entry)
    {
        var copy = new YamlMappingNode { Tag = mapping.Tag, Style = mapping.Style };
        foreach (var (key, child) in mapping.Children)
        {
            var (newKey, newValue) = entry(key, child);
            copy.Add(newKey, newValue);
        }

        return copy;
    }

    private static YamlMappingNode ExpandLoops(YamlMappingNode section)
    {
        var expanded = new YamlMappingNode();
        foreach (var (key, value) in section.Children)
        {
            var name = ((YamlScalarNode)key).Value!;
            if (!name.StartsWith(ForEachPrefix, StringComparison.Ordinal))
            {
                expanded.Add(key, value);
                continue;
            }

            var loop = (YamlSequenceNode)value;
            var identifier = ((YamlScalarNode)loop[0]).Value!;
            var collection = loop[1] as YamlSequenceNode
                ?? throw new NotSupportedException($"{name}: only a literal list can be expanded here, not a parameter.");
            foreach (var item in collection.Children.Cast<YamlScalarNode>())
            {
                foreach (var (outputKey, output) in ExpandLoops((YamlMappingNode)Fill(loop[2], identifier, item.Value!)).Children)
                {
                    expanded.Add(outputKey, output);
                }
            }
        }

        return expanded;
    }

    /// <summary>A copy of <paramref name="node"/> with the loop's identifier replaced by <paramref name="value"/>.</summary>
    private static YamlNode Fill(YamlNode node, string identifier, string value)
    {
        switch (node)
        {
            case YamlScalarNode reference when Tagged(reference, "!Ref") && reference.Value == identifier:
                return new YamlScalarNode(value);
            case YamlScalarNode sub when Tagged(sub, "!Sub"):
                return Substituted(Replace(sub.Value!, identifier, value));
            case YamlScalarNode scalar:
                return new YamlScalarNode(scalar.Value) { Tag = scalar.Tag, Style = scalar.Style };
            case YamlSequenceNode sub when Tagged(sub, "!Sub"):
                return new YamlSequenceNode(
                    [Substituted(Replace(((YamlScalarNode)sub[0]).Value!, identifier, value)), .. sub.Children.Skip(1).Select(child => Fill(child, identifier, value))])
                { Tag = sub.Tag };
            case YamlSequenceNode sequence:
                return new YamlSequenceNode(sequence.Children.Select(child => Fill(child, identifier, value))) { Tag = sequence.Tag, Style = sequence.Style };
            case YamlMappingNode { Children.Count: 1 } single
                when single.Children.Single() is ({ } key, YamlScalarNode target) && key is YamlScalarNode { Value: "Ref" } && target.Value == identifier:
                return new YamlScalarNode(value);
            case YamlMappingNode { Children.Count: 1 } single
                when single.Children.Single() is ({ } key, YamlScalarNode text) && key is YamlScalarNode { Value: "Fn::Sub" }:
                return Substituted(Replace(text.Value!, identifier, value), longForm: true);
            case YamlMappingNode mapping:
                return Copy(mapping, (key, child) => (new YamlScalarNode(Replace(((YamlScalarNode)key).Value!, identifier, value)), Fill(child, identifier, value)));
            default:
                throw new NotSupportedException($"Unexpected YAML node {node.NodeType} in a Fn::ForEach fragment.");
        }
    }

    /// <summary>A <c>Fn::Sub</c> with nothing left to substitute is that string, as the transform leaves it.</summary>
    private static YamlNode Substituted(string text, bool longForm = false)
    {
        if (!text.Contains("${", StringComparison.Ordinal))
        {
            return new YamlScalarNode(text);
        }

        return longForm ? new YamlMappingNode(new YamlScalarNode("Fn::Sub"), new YamlScalarNode(text)) : new YamlScalarNode(text) { Tag = "!Sub" };
    }

    private static bool Tagged(YamlNode node, string tag) => !node.Tag.IsEmpty && node.Tag.Value == tag;

    private static string Replace(string text, string identifier, string value) =>
        text.Replace("${" + identifier + "}", value, StringComparison.Ordinal)
            .Replace("&{" + identifier + "}", NonAlphanumeric().Replace(value, ""), StringComparison.Ordinal);

    [GeneratedRegex("[^0-9A-Za-z]")]
    private static partial Regex NonAlphanumeric();
}
