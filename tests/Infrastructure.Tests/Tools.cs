using System.Diagnostics;

namespace Samples.Infrastructure.Tests;

/// <summary>Runs the Python tools the template tests need (cfn-lint, the SAM translator).</summary>
internal static class Tools
{
    /// <summary>
    /// The start of a Python script (argv: the template, a JSON object of parameter values) that runs the SAM transform
    /// as `sam deploy` would (function code stood in for) and defines, for what follows: <c>out</c> (the transformed
    /// template), <c>params</c>, <c>conditions</c>, <c>holds(condition)</c> (Equals, Not, And, Or and Condition over
    /// parameters, as CloudFormation evaluates them) and <c>chosen(node)</c> (a value with its Fn::If, parameter Refs and
    /// AWS::NoValue resolved).
    /// </summary>
    public const string SamTransform = """
        import os, sys, json
        from samtranslator.translator.transform import transform
        from samtranslator.public.translator import ManagedPolicyLoader
        from samtranslator.yaml_helper import yaml_parse
        os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
        template = yaml_parse(open(sys.argv[1]).read())
        given = json.loads(sys.argv[2])
        # AWS::LanguageExtensions first, as CloudFormation runs it: Fn::ForEach (tools/StandIns/LanguageExtensions.cs
        # says which forms are replaced), then Fn::FindInMap over literal keys, then the SAM transform alone.
        def fill(node, ident, item):
            if isinstance(node, dict):
                if node == {"Ref": ident}: return item
                if list(node) == ["Fn::Sub"] and isinstance(node["Fn::Sub"], str):
                    text = node["Fn::Sub"].replace("${%s}" % ident, item)
                    return text if "${" not in text else {"Fn::Sub": text}
                if list(node) == ["Fn::Sub"]:
                    return {"Fn::Sub": [node["Fn::Sub"][0].replace("${%s}" % ident, item), fill(node["Fn::Sub"][1], ident, item)]}
                return {key.replace("${%s}" % ident, item): fill(value, ident, item) for key, value in node.items()}
            if isinstance(node, list): return [fill(value, ident, item) for value in node]
            return node
        def expand(section):
            out = {}
            for key, value in section.items():
                if key.startswith("Fn::ForEach::"):
                    for item in value[1]: out.update(expand(fill(value[2], value[0], item)))
                else: out[key] = value
            return out
        def mapped(node):
            if isinstance(node, dict) and list(node) == ["Fn::FindInMap"] and all(isinstance(key, str) for key in node["Fn::FindInMap"]):
                name, top, second = node["Fn::FindInMap"]
                return template["Mappings"][name][top][second]
            if isinstance(node, dict): return {key: mapped(value) for key, value in node.items()}
            if isinstance(node, list): return [mapped(value) for value in node]
            return node
        for section in ("Resources", "Conditions", "Outputs"):
            if section in template: template[section] = mapped(expand(template[section]))
        template["Transform"] = "AWS::Serverless-2016-10-31"
        for resource in template["Resources"].values():
            if resource["Type"] == "AWS::Serverless::Function":
                resource["Properties"]["CodeUri"] = "s3://bucket/key.zip"
        class NoPolicies(ManagedPolicyLoader):
            def __init__(self): pass
            def load(self): return {}
        params = {name: str(spec.get("Default", "")) for name, spec in template["Parameters"].items()}
        params.update(given)
        out = transform(template, {"AWS::Region": "us-east-1", "AWS::AccountId": "123456789012", "AWS::Partition": "aws", **given}, NoPolicies())
        conditions = out.get("Conditions", {})
        def value(node):
            if isinstance(node, dict) and "Ref" in node: return params[node["Ref"]]
            return str(node)
        def holds(node):
            if isinstance(node, dict):
                (fn, args), = node.items()
                if fn == "Fn::Equals": return value(args[0]) == value(args[1])
                if fn == "Fn::Not": return not holds(args[0])
                if fn == "Fn::And": return all(holds(a) for a in args)
                if fn == "Fn::Or": return any(holds(a) for a in args)
                if fn == "Condition": return holds(conditions[args])
            raise ValueError(node)
        def chosen(node):
            if isinstance(node, dict) and "Fn::If" in node:
                condition, yes, no = node["Fn::If"]
                return chosen(yes if holds(conditions[condition]) else no)
            if isinstance(node, dict) and node.get("Ref") == "AWS::NoValue": return None
            if isinstance(node, dict) and node.get("Ref") in params: return params[node["Ref"]]
            if isinstance(node, dict): return {key: chosen(item) for key, item in node.items()}
            return node

        """;

    public static Task<(int ExitCode, string Output)> RunAsync(string command, params string[] arguments) =>
        RunAsync(command, new Dictionary<string, string>(), arguments);

    public static async Task<(int ExitCode, string Output)> RunAsync(string command, IReadOnlyDictionary<string, string> environment, params string[] arguments)
    {
        var start = new ProcessStartInfo(command) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        try
        {
            using var process = Process.Start(start)!;
            var stdout = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
            var stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
            await process.WaitForExitAsync(TestContext.Current.CancellationToken);
            return (process.ExitCode, await stdout + "\n" + await stderr);
        }
        catch (System.ComponentModel.Win32Exception exception)
        {
            throw new InvalidOperationException(
                $"`{command}` is not on PATH. The template tests need Python 3 with cfn-lint and aws-sam-translator (pip install cfn-lint).", exception);
        }
    }
}
